#pragma once
// Compression on every core: the stream is cut into 4 MiB chunks, each compressed as an
// independent frame (frame_format.hpp) by a worker, and the frames are written in order.
// Room for a frame can be reserved and filled in later, which is how a streamed archive
// writes a tar header whose size is known only at the end of the entry.

#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <optional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "images/frame_format.hpp"
#include "images/stream_sink.hpp"

namespace cedana::images {

class ParallelFrameWriter final : public StreamSink {
public:
    // Writes to `fd`, from its current offset on; the caller keeps the descriptor open.
    ParallelFrameWriter(int fd, FrameCodec codec);
    ~ParallelFrameWriter() override;
    ParallelFrameWriter(const ParallelFrameWriter&) = delete;
    ParallelFrameWriter& operator=(const ParallelFrameWriter&) = delete;

    void write(const void* data, std::size_t size) override;
    // Free room in the chunk being filled (never empty), for reading straight into it;
    // commit() says how much of it now holds data.
    std::span<char> space();
    void commit(std::size_t size);

    // Ends the current frame and leaves room for a stored frame of `raw_size` bytes.
    using Gap = std::uint64_t;
    Gap reserve(std::size_t raw_size);
    // Writes the reserved frame; `raw` must have the size given to reserve().
    void fill(Gap gap, std::string_view raw);

    void finish() override;

private:
    // One chunk and its frame, or a reserved gap. Buffers are recycled: fresh 4 MiB
    // allocations would cost a page fault per 4 KiB, more than compressing them.
    struct Job {
        std::string input;
        std::size_t used = 0;
        std::string frame;
        std::size_t frame_size = 0;
        std::optional<Gap> gap;
    };

    void submit();
    void make_room();
    void write_oldest();
    void write_out(const char* data, std::size_t size);
    std::unique_ptr<Job> fresh_job();

    int fd_;
    FrameCodec codec_;
    std::uint64_t offset_;
    std::unique_ptr<Job> filling_;
    std::deque<std::pair<std::unique_ptr<Job>, std::future<void>>> in_flight_;
    std::vector<std::unique_ptr<Job>> spare_;
    std::size_t window_;
    Gap next_gap_ = 0;
    std::map<Gap, std::pair<std::uint64_t, std::size_t>> gaps_;  // written gaps: offset, raw size
    std::map<Gap, std::size_t> pending_gaps_;                     // raw size of gaps not yet written
};

}  // namespace cedana::images
