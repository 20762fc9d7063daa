#pragma once
// A dump's memory images (pages-N.img), nearly all of a checkpoint's bytes, taken from CRIU
// as it writes them and put straight into the checkpoint's archive: they never reach the
// disk on their own, so they are not written twice nor read back.
//
// CRIU writes them into FIFOs put in their place (memory_image_fifos.hpp); its RPC service
// cannot stream images itself (its "stream" option aborts in RPC mode, CRIU 4.1).
//
// Every FIFO is drained as data comes. The first to pass 1 MiB becomes the archive's open
// entry and streams into it; any other waits in memory (past 64 MiB, in an unlinked scratch
// file in the images directory) until that entry ends, then follows it whole.

#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "images/checksum.hpp"
#include "images/streamed_archive.hpp"

namespace cedana::images {

class MemoryImageCapture {
public:
    // Creates the FIFOs for `count` memory images in `dir` (CRIU's images directory) and
    // starts draining them on a thread of its own. Throws cedana::Error when it cannot.
    MemoryImageCapture(const std::filesystem::path& dir, int count, StreamedArchive& archive);
    // Stops the thread and removes the FIFOs.
    ~MemoryImageCapture();
    MemoryImageCapture(const MemoryImageCapture&) = delete;
    MemoryImageCapture& operator=(const MemoryImageCapture&) = delete;

    // Once CRIU has exited after a successful dump: waits until every image CRIU wrote is in
    // the archive, removes the FIFOs, and returns the images' checksums by name. Throws what
    // stopped the capture.
    std::map<std::string, FileSum> finish();

    // What made the capture give up early, or null; the cause to report when CRIU fails.
    [[nodiscard]] std::exception_ptr error() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace cedana::images
