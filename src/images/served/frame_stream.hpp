#pragma once
// Random access to a file of independent frames (a shard of a streamed checkpoint) by
// offset in its uncompressed stream: a read decodes only the frames it touches, and starts
// decoding the next few on other threads, since CRIU reads an image front to back. The file
// is a local one or a remote object (util/byte_source.hpp); a remote one is read further
// ahead, since each frame is a request of its own there.
//
// Memory bound: kCached decoded frames (at most 4 MiB each) plus those being decoded ahead.

#include <cstdint>
#include <filesystem>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "images/frame_format.hpp"
#include "images/parallel_frames.hpp"
#include "util/byte_source.hpp"

namespace cedana::images::served {

using Frame = std::shared_ptr<const std::vector<char>>;

// Bytes of a decoded frame, kept alive by `frame` while they are used.
struct Slice {
    Frame frame;
    const char* data = nullptr;
    std::size_t size = 0;
};

class FrameStream {
public:
    static constexpr std::size_t kAhead = 2;
    static constexpr std::size_t kRemoteAhead = 6;
    static constexpr std::size_t kCached = 4;

    // `name` is how errors call the file ("shard img-1.lz4", "checkpoint /x/cp.tar.zst").
    // Throws cedana::Error when it cannot be opened.
    FrameStream(const std::filesystem::path& path, std::string name, FrameCodec codec, std::vector<FrameSpan> frames);
    // Frames read from `source`, decoded `ahead` frames in advance.
    FrameStream(std::shared_ptr<util::ByteSource> source, std::string name, FrameCodec codec, std::vector<FrameSpan> frames,
                std::size_t ahead = kAhead);
    ~FrameStream();
    FrameStream(const FrameStream&) = delete;
    FrameStream& operator=(const FrameStream&) = delete;

    // `size` bytes from stream offset `raw` on, appended to `out` as slices of decoded
    // frames. Throws cedana::Error(invalid_argument) naming the file when a frame is
    // truncated or damaged.
    void read(std::uint64_t raw, std::uint64_t size, std::vector<Slice>& out);

    [[nodiscard]] const std::string& name() const { return name_; }

    // Decoded frames' buffers, used again: a fresh 4 MiB buffer per frame would be a fresh
    // mapping, zeroed and faulted in page by page, a second pass over the memory that
    // costs as much as the restore's own (on this VM, touching pages the guest has not
    // used lately is what a restore mostly waits for).
    struct Buffers;

private:
    std::shared_future<Frame> frame(std::size_t index);
    Frame decode(std::size_t index) const;

    std::shared_ptr<util::ByteSource> source_;
    std::string name_;
    FrameCodec codec_;
    std::vector<FrameSpan> frames_;
    std::size_t ahead_;
    std::shared_ptr<Buffers> buffers_;  // shared with the frames that go back to it

    std::mutex mutex_;
    std::list<std::pair<std::size_t, std::shared_future<Frame>>> cache_;  // most recent first
};

}  // namespace cedana::images::served
