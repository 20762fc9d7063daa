#include "images/parallel_frames.hpp"

#include <lz4frame.h>
#include <zstd.h>

#include <algorithm>
#include <thread>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace cedana::images {

namespace {

constexpr std::size_t kChunk = 4u << 20;

// Level 1 for zstd, like lz4's default: checkpoints are large and the user waits for them.
constexpr int kZstdLevel = 1;

LZ4F_preferences_t lz4_preferences() {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockSizeID = LZ4F_max4MB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    return prefs;
}

std::size_t lz4_frame(const std::string& input, std::string& frame) {
    static const LZ4F_preferences_t prefs = lz4_preferences();
    const std::size_t bound = LZ4F_compressFrameBound(input.size(), &prefs);
    if (frame.size() < bound) frame.resize(bound);
    const std::size_t size = LZ4F_compressFrame(frame.data(), frame.size(), input.data(), input.size(), &prefs);
    if (LZ4F_isError(size)) fail(ErrorKind::internal, "lz4 compression failed: {}", LZ4F_getErrorName(size));
    return size;
}

// A content checksum in every frame, so corruption is caught while extracting.
std::size_t zstd_frame(const std::string& input, std::string& frame) {
    struct Context {
        ZSTD_CCtx* cctx = ZSTD_createCCtx();
        Context() {
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, kZstdLevel);
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        }
        ~Context() { ZSTD_freeCCtx(cctx); }
    };
    thread_local Context ctx;
    if (ctx.cctx == nullptr) fail(ErrorKind::internal, "cannot start zstd compression");
    const std::size_t bound = ZSTD_compressBound(input.size());
    if (frame.size() < bound) frame.resize(bound);
    const std::size_t size = ZSTD_compress2(ctx.cctx, frame.data(), frame.size(), input.data(), input.size());
    if (ZSTD_isError(size)) fail(ErrorKind::internal, "zstd compression failed: {}", ZSTD_getErrorName(size));
    return size;
}

}  // namespace

ParallelFrameWriter::ParallelFrameWriter(std::FILE* out, FrameCodec codec)
    : out_(out), codec_(codec), filling_(std::make_unique<Job>()), window_(2 * std::max(1u, std::thread::hardware_concurrency())) {
    filling_->input.reserve(kChunk);
}

ParallelFrameWriter::~ParallelFrameWriter() {
    // On an error path, let the workers finish before their buffers go away.
    for (auto& [job, done] : in_flight_) done.wait();
}

void ParallelFrameWriter::write(const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const std::size_t take = std::min(size, kChunk - filling_->input.size());
        filling_->input.append(bytes, take);
        bytes += take;
        size -= take;
        if (filling_->input.size() == kChunk) submit();
    }
}

void ParallelFrameWriter::submit() {
    if (in_flight_.size() >= window_) write_oldest();
    Job* job = filling_.get();
    auto done = std::async(std::launch::async, [job, codec = codec_] {
        job->frame_size = codec == FrameCodec::lz4 ? lz4_frame(job->input, job->frame) : zstd_frame(job->input, job->frame);
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

void ParallelFrameWriter::write_oldest() {
    auto [job, done] = std::move(in_flight_.front());
    in_flight_.pop_front();
    done.get();
    if (std::fwrite(job->frame.data(), 1, job->frame_size, out_) != job->frame_size) {
        fail(ErrorKind::failed_precondition, "cannot write the checkpoint archive: {}", std::strerror(errno));
    }
    spare_.push_back(std::move(job));
}

void ParallelFrameWriter::finish() {
    if (!filling_->input.empty()) submit();
    while (!in_flight_.empty()) write_oldest();
}

}  // namespace cedana::images
