#include "images/lz4_parallel.hpp"

#include <lz4frame.h>

#include <algorithm>
#include <thread>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace cedana::images {

namespace {

constexpr std::size_t kChunk = 4u << 20;

LZ4F_preferences_t preferences() {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockSizeID = LZ4F_max4MB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    return prefs;
}

}  // namespace

Lz4ParallelWriter::Lz4ParallelWriter(std::FILE* out)
    : out_(out), filling_(std::make_unique<Job>()), window_(2 * std::max(1u, std::thread::hardware_concurrency())) {
    filling_->input.reserve(kChunk);
}

Lz4ParallelWriter::~Lz4ParallelWriter() {
    // On an error path, let the workers finish before their buffers go away.
    for (auto& [job, done] : in_flight_) done.wait();
}

void Lz4ParallelWriter::write(const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const std::size_t take = std::min(size, kChunk - filling_->input.size());
        filling_->input.append(bytes, take);
        bytes += take;
        size -= take;
        if (filling_->input.size() == kChunk) submit();
    }
}

void Lz4ParallelWriter::submit() {
    if (in_flight_.size() >= window_) write_oldest();
    Job* job = filling_.get();
    auto done = std::async(std::launch::async, [job] {
        static const LZ4F_preferences_t prefs = preferences();
        const std::size_t bound = LZ4F_compressFrameBound(job->input.size(), &prefs);
        if (job->frame.size() < bound) job->frame.resize(bound);
        const std::size_t size = LZ4F_compressFrame(job->frame.data(), job->frame.size(), job->input.data(), job->input.size(), &prefs);
        if (LZ4F_isError(size)) fail(ErrorKind::internal, "lz4 compression failed: {}", LZ4F_getErrorName(size));
        job->frame_size = size;
    });
    in_flight_.emplace_back(std::move(filling_), std::move(done));
    if (spare_.empty()) {
        filling_ = std::make_unique<Job>();
        filling_->input.reserve(kChunk);
    } else {
        filling_ = std::move(spare_.back());
        spare_.pop_back();
        filling_->input.clear();
    }
}

void Lz4ParallelWriter::write_oldest() {
    auto [job, done] = std::move(in_flight_.front());
    in_flight_.pop_front();
    done.get();
    if (std::fwrite(job->frame.data(), 1, job->frame_size, out_) != job->frame_size) {
        fail(ErrorKind::failed_precondition, "cannot write the checkpoint archive: {}", std::strerror(errno));
    }
    spare_.push_back(std::move(job));
}

void Lz4ParallelWriter::finish() {
    if (!filling_->input.empty()) submit();
    while (!in_flight_.empty()) write_oldest();
}

}  // namespace cedana::images
