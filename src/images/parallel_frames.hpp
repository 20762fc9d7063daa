#pragma once
// Compression on every core: the stream is cut into 4 MiB chunks, each compressed as an
// independent frame (frame_format.hpp) by a worker, and a writer thread writes the frames in
// order, so that neither compressing nor writing holds up whoever feeds the stream (CRIU,
// through the memory image capture). Room for a frame can be reserved and filled in later,
// which is how a streamed archive writes a tar header whose size is known only at the end
// of the entry.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "images/frame_format.hpp"
#include "images/stream_sink.hpp"
#include "util/byte_output.hpp"

namespace cedana::images {

// Where one frame landed: `raw_size` bytes of the stream from `raw_offset` on, written as
// `file_size` bytes at `file_offset`. With these a frame is found and decoded on its own.
struct FrameSpan {
    std::uint64_t raw_offset = 0;
    std::uint64_t raw_size = 0;
    std::uint64_t file_offset = 0;
    std::uint64_t file_size = 0;

    bool operator==(const FrameSpan&) const = default;
};

class ParallelFrameWriter final : public StreamSink {
public:
    // Writes to `out`, after what it holds already; the caller keeps it alive. Frames of `chunk` bytes (at most 4 MiB; the archive's default), at most `window` of
    // them queued (0: 2 per core). Many writers at once (a streamed checkpoint's shards)
    // take smaller chunks and windows so that their buffers together stay bounded.
    static constexpr std::size_t kDefaultChunk = 4u << 20;
    ParallelFrameWriter(util::ByteOutput& out, FrameCodec codec, std::size_t chunk = kDefaultChunk, std::size_t window = 0);
    // Abandons what finish() has not written.
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

    // Writes everything given so far. Throws cedana::Error when writing failed.
    void finish() override;
    // Every frame written, in order; complete once finish() returned.
    [[nodiscard]] std::vector<FrameSpan> frames() const;

private:
    // One chunk and its frame, or a reserved gap. Buffers are recycled: fresh 4 MiB
    // allocations would cost a page fault per 4 KiB, more than compressing them.
    struct Job {
        std::string input;
        std::size_t used = 0;
        std::string frame;
        std::size_t frame_size = 0;
        std::optional<Gap> gap;
        std::size_t gap_raw_size = 0;
        // Last, so it is destroyed first: a std::async future waits for its worker, which
        // uses the buffers above.
        std::future<void> compressed;
    };

    void submit();
    void queue(std::unique_ptr<Job> job);
    std::unique_ptr<Job> fresh_job();
    void write_loop();
    void write_out(const char* data, std::size_t size);

    util::ByteOutput& out_;
    FrameCodec codec_;
    std::size_t chunk_;
    std::uint64_t offset_;  // the writer thread's
    std::unique_ptr<Job> filling_;
    Gap next_gap_ = 0;
    std::size_t window_;

    std::uint64_t raw_offset_ = 0;  // the writer thread's
    std::vector<FrameSpan> spans_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::unique_ptr<Job>> queue_;  // in output order: compressing, compressed
    std::vector<std::unique_ptr<Job>> spare_;
    std::map<Gap, std::pair<std::uint64_t, std::size_t>> gaps_;  // reserved gaps: offset, raw size
    std::exception_ptr error_;
    bool closing_ = false;
    std::jthread writer_;
};

}  // namespace cedana::images
