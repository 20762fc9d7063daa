#include "images/parallel_frames.hpp"

#include <algorithm>
#include <cstring>

#include "util/error.hpp"

namespace cedana::images {

ParallelFrameWriter::ParallelFrameWriter(util::ByteOutput& out, FrameCodec codec, std::size_t chunk, std::size_t window)
    : out_(out), codec_(codec), chunk_(std::clamp<std::size_t>(chunk, 4096, kDefaultChunk)), offset_(out.size()),
      window_(window > 0 ? window : 2 * std::max(1u, std::thread::hardware_concurrency())) {
    filling_ = fresh_job();
    writer_ = std::jthread([this] { write_loop(); });
}

ParallelFrameWriter::~ParallelFrameWriter() {
    {
        const std::lock_guard lock(mutex_);
        closing_ = true;
    }
    changed_.notify_all();
    writer_.join();
}

std::unique_ptr<ParallelFrameWriter::Job> ParallelFrameWriter::fresh_job() {
    {
        const std::lock_guard lock(mutex_);
        if (!spare_.empty()) {
            auto job = std::move(spare_.back());
            spare_.pop_back();
            job->used = 0;
            job->gap.reset();
            return job;
        }
    }
    auto job = std::make_unique<Job>();
    job->input.resize(chunk_);
    return job;
}

void ParallelFrameWriter::write(const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const std::span<char> room = space();
        const std::size_t take = std::min(size, room.size());
        std::memcpy(room.data(), bytes, take);
        commit(take);
        bytes += take;
        size -= take;
    }
}

std::span<char> ParallelFrameWriter::space() { return {filling_->input.data() + filling_->used, chunk_ - filling_->used}; }

void ParallelFrameWriter::commit(std::size_t size) {
    filling_->used += size;
    if (filling_->used == chunk_) submit();
}

void ParallelFrameWriter::submit() {
    auto job = std::move(filling_);
    filling_ = fresh_job();
    if (codec_ != FrameCodec::none) {
        Job* raw = job.get();
        job->compressed = std::async(std::launch::async, [raw, codec = codec_] {
            raw->frame_size = compress_frame(codec, std::string_view(raw->input.data(), raw->used), raw->frame);
        });
    }
    queue(std::move(job));
}

void ParallelFrameWriter::queue(std::unique_ptr<Job> job) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.size() < window_ || error_; });
    if (error_) std::rethrow_exception(error_);
    queue_.push_back(std::move(job));
    lock.unlock();
    changed_.notify_all();
}

ParallelFrameWriter::Gap ParallelFrameWriter::reserve(std::size_t raw_size) {
    if (filling_->used > 0) submit();
    auto job = fresh_job();
    const Gap gap = next_gap_++;
    job->gap = gap;
    job->gap_raw_size = raw_size;
    job->frame_size = stored_frame_size(codec_, raw_size);
    queue(std::move(job));
    return gap;
}

void ParallelFrameWriter::fill(Gap gap, std::string_view raw) {
    std::uint64_t offset = 0;
    {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return gaps_.contains(gap) || error_; });
        if (error_) std::rethrow_exception(error_);
        const auto [at, raw_size] = gaps_.at(gap);
        if (raw.size() != raw_size) throw std::logic_error("fill() with a size other than the reserved one");
        offset = at;
        gaps_.erase(gap);
    }
    const std::string frame = stored_frame(codec_, raw);
    out_.fill(offset, frame.data(), frame.size());
}

void ParallelFrameWriter::write_out(const char* data, std::size_t size) {
    out_.append(data, size);
    offset_ += size;
}

std::vector<FrameSpan> ParallelFrameWriter::frames() const {
    const std::lock_guard lock(mutex_);
    return spans_;
}

void ParallelFrameWriter::write_loop() {
    for (;;) {
        Job* job = nullptr;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !queue_.empty() || closing_; });
            if (closing_) return;
            job = queue_.front().get();
        }
        const std::uint64_t at = offset_;
        try {
            if (job->compressed.valid()) job->compressed.get();
            if (job->gap) {
                out_.reserve(job->frame_size);
                offset_ += job->frame_size;
            } else if (codec_ == FrameCodec::none) {
                write_out(job->input.data(), job->used);
            } else {
                write_out(job->frame.data(), job->frame_size);
            }
        } catch (...) {
            {
                const std::lock_guard lock(mutex_);
                error_ = std::current_exception();
            }
            changed_.notify_all();
            return;
        }
        {
            const std::lock_guard lock(mutex_);
            if (job->gap) gaps_[*job->gap] = {at, job->gap_raw_size};
            const std::uint64_t raw_size = job->gap ? job->gap_raw_size : job->used;
            spans_.push_back({.raw_offset = raw_offset_, .raw_size = raw_size, .file_offset = at, .file_size = offset_ - at});
            raw_offset_ += raw_size;
            spare_.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        changed_.notify_all();
    }
}

void ParallelFrameWriter::finish() {
    if (filling_->used > 0) submit();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queue_.empty() || error_; });
    if (error_) std::rethrow_exception(error_);
}

}  // namespace cedana::images
