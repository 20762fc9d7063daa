#include "images/parallel_frames.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "util/error.hpp"

namespace cedana::images {

namespace {

constexpr std::size_t kChunk = 4u << 20;

[[noreturn]] void write_failed() {
    fail(ErrorKind::failed_precondition, "cannot write the checkpoint archive: {}", std::strerror(errno));
}

}  // namespace

ParallelFrameWriter::ParallelFrameWriter(int fd, FrameCodec codec)
    : fd_(fd), codec_(codec), window_(2 * std::max(1u, std::thread::hardware_concurrency())) {
    filling_ = fresh_job();
    const off_t start = ::lseek(fd, 0, SEEK_CUR);
    if (start < 0) write_failed();
    offset_ = static_cast<std::uint64_t>(start);
}

ParallelFrameWriter::~ParallelFrameWriter() {
    // On an error path, let the workers finish before their buffers go away.
    for (auto& [job, done] : in_flight_) {
        if (done.valid()) done.wait();
    }
}

std::unique_ptr<ParallelFrameWriter::Job> ParallelFrameWriter::fresh_job() {
    if (!spare_.empty()) {
        auto job = std::move(spare_.back());
        spare_.pop_back();
        job->used = 0;
        job->gap.reset();
        return job;
    }
    auto job = std::make_unique<Job>();
    job->input.resize(kChunk);
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

std::span<char> ParallelFrameWriter::space() { return {filling_->input.data() + filling_->used, kChunk - filling_->used}; }

void ParallelFrameWriter::commit(std::size_t size) {
    filling_->used += size;
    if (filling_->used == kChunk) submit();
}

void ParallelFrameWriter::submit() {
    // Room first: once a worker compresses the job, nothing may throw before the job is
    // queued where the destructor waits for it.
    make_room();
    auto job = std::move(filling_);
    filling_ = fresh_job();
    std::future<void> done;
    if (codec_ != FrameCodec::none) {
        Job* raw = job.get();
        done = std::async(std::launch::async, [raw, codec = codec_] {
            raw->frame_size = compress_frame(codec, std::string_view(raw->input.data(), raw->used), raw->frame);
        });
    }
    in_flight_.emplace_back(std::move(job), std::move(done));
    // Nothing to compress: the chunk goes out as it is, on this thread.
    if (codec_ == FrameCodec::none) write_oldest();
}

void ParallelFrameWriter::make_room() {
    while (in_flight_.size() >= window_) write_oldest();
}

ParallelFrameWriter::Gap ParallelFrameWriter::reserve(std::size_t raw_size) {
    if (filling_->used > 0) submit();
    auto job = fresh_job();
    const Gap gap = next_gap_++;
    job->gap = gap;
    job->frame.assign(stored_frame_size(codec_, raw_size), '\0');
    job->frame_size = job->frame.size();
    pending_gaps_[gap] = raw_size;
    make_room();
    in_flight_.emplace_back(std::move(job), std::future<void>());
    return gap;
}

void ParallelFrameWriter::fill(Gap gap, std::string_view raw) {
    while (!gaps_.contains(gap)) {
        if (in_flight_.empty()) throw std::logic_error("fill() of a gap that was never reserved");
        write_oldest();
    }
    const auto [offset, raw_size] = gaps_.at(gap);
    if (raw.size() != raw_size) throw std::logic_error("fill() with a size other than the reserved one");
    const std::string frame = stored_frame(codec_, raw);
    std::size_t done = 0;
    while (done < frame.size()) {
        const ssize_t n = ::pwrite(fd_, frame.data() + done, frame.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) write_failed();
        done += static_cast<std::size_t>(n);
    }
    gaps_.erase(gap);
}

void ParallelFrameWriter::write_out(const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::write(fd_, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) write_failed();
        data += n;
        size -= static_cast<std::size_t>(n);
        offset_ += static_cast<std::uint64_t>(n);
    }
}

void ParallelFrameWriter::write_oldest() {
    auto [job, done] = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (done.valid()) done.get();
    if (job->gap) {
        gaps_[*job->gap] = {offset_, pending_gaps_.at(*job->gap)};
        pending_gaps_.erase(*job->gap);
        write_out(job->frame.data(), job->frame_size);
    } else if (codec_ == FrameCodec::none) {
        write_out(job->input.data(), job->used);
    } else {
        write_out(job->frame.data(), job->frame_size);
    }
    spare_.push_back(std::move(job));
}

void ParallelFrameWriter::finish() {
    if (filling_->used > 0) submit();
    while (!in_flight_.empty()) write_oldest();
}

}  // namespace cedana::images
