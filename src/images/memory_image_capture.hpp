#pragma once
// A dump's memory images (pages-N.img), nearly all of a checkpoint's bytes, taken from CRIU
// as it writes them and put straight into the checkpoint's archive: they never reach the
// disk on their own, so they are not written twice nor read back.
//
// Before CRIU starts, pages-1.img … pages-N.img are created in the images directory as
// FIFOs, held open for reading. CRIU opens an image it dumps with O_WRONLY|O_CREAT|O_TRUNC,
// which opens an existing FIFO as it is, and splices the pages into it (looping on partial
// splices, which a pipe gives). CRIU's RPC service cannot stream images itself (its "stream"
// option aborts in RPC mode, CRIU 4.1), and this needs nothing from CRIU but that open.
// Images past pages-N (a tree that grew after it was counted) are plain files CRIU creates,
// packed with the other images afterwards.
//
// Every FIFO is drained as data comes. The first to pass 1 MiB becomes the archive's open
// entry and streams into it; any other waits in memory (past 64 MiB, in an unlinked scratch
// file in the images directory) until that entry ends, then follows it whole.
//
// If the capture cannot go on (the archive's disk is full), it closes every FIFO: CRIU's
// next write fails, CRIU aborts the dump and resumes the process, and error() says why.

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
    // Stops the thread, closes the FIFOs and removes those CRIU did not use.
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
