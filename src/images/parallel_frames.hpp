#pragma once
// Compression on every core: the stream is cut into 4 MiB chunks, each compressed as an
// independent LZ4 or zstd frame by a worker, and the frames are written in order. Both
// formats define concatenated frames as one valid stream (lz4 -d, zstd -d, libarchive and
// restore read them as one).

#include <cstdio>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "images/stream_sink.hpp"

namespace cedana::images {

enum class FrameCodec { lz4, zstd };

class ParallelFrameWriter final : public StreamSink {
public:
    ParallelFrameWriter(std::FILE* out, FrameCodec codec);
    ~ParallelFrameWriter() override;

    void write(const void* data, std::size_t size) override;
    void finish() override;

private:
    // One chunk and its frame. Buffers are recycled: fresh 4 MiB allocations would cost a
    // page fault per 4 KiB, more than compressing them.
    struct Job {
        std::string input;
        std::string frame;
        std::size_t frame_size = 0;
    };

    void submit();
    void write_oldest();

    std::FILE* out_;
    FrameCodec codec_;
    std::unique_ptr<Job> filling_;
    std::deque<std::pair<std::unique_ptr<Job>, std::future<void>>> in_flight_;
    std::vector<std::unique_ptr<Job>> spare_;
    std::size_t window_;
};

}  // namespace cedana::images
