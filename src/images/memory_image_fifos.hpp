#pragma once
// The FIFOs a dump puts in place of its memory images (pages-1.img … pages-N.img), drained
// by a thread of their own as CRIU writes into them. Who drains them decides where the
// bytes go: into an archive (memory_image_capture.hpp) or over a streamed checkpoint's
// shards (shards/sharded_memory_capture.hpp).
//
// CRIU opens an image it dumps with O_WRONLY|O_CREAT|O_TRUNC, which opens an existing FIFO
// as it is. Images past pages-N (a tree that grew after it was counted) are plain files
// CRIU creates. If the drain fails (the disk is full), every FIFO is closed: CRIU's next
// write fails, CRIU aborts the dump and the process is resumed, and error() says why.

#include <cstddef>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

namespace cedana::images {

class MemoryImageFifos {
public:
    // Called on the drain thread when FIFO `image` (0 for pages-1.img) has data or CRIU
    // closed it: it reads once from `fd` and returns false when the read gave end of file
    // (the image is whole). Throwing stops the drain.
    using Readable = std::function<bool(std::size_t image, int fd)>;

    // Creates the `count` FIFOs in `dir`, non-blocking, and starts the drain. Throws
    // cedana::Error when they cannot be made.
    MemoryImageFifos(const std::filesystem::path& dir, int count, Readable readable);
    // Stops the drain, if finish() did not, and removes the FIFOs.
    ~MemoryImageFifos();
    MemoryImageFifos(const MemoryImageFifos&) = delete;
    MemoryImageFifos& operator=(const MemoryImageFifos&) = delete;

    [[nodiscard]] const std::string& name(std::size_t image) const;

    // Once CRIU has exited after a successful dump: drains what is left, drops the FIFOs CRIU
    // never opened, removes them all. Throws what stopped the drain.
    void finish();
    [[nodiscard]] std::exception_ptr error() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace cedana::images
