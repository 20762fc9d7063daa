#pragma once
// Checksums of a dump's memory images (pages-N.img), taken while CRIU writes them.
//
// The memory images are nearly all of a checkpoint's bytes; hashing them after CRIU is done
// would add their whole read-back to every dump. CRIU writes each of them once, front to back
// (splicing from the dumped process's pages), so a thread on another core can read what has
// been written so far from the page cache, woken by inotify, and be done moments after CRIU.
// The sums are those of checksum.hpp, chunk for chunk. An image whose writing did not look
// like one front-to-back pass (written by two opens, or shorter than what was read) is
// hashed again from the start by finish(), so a surprise costs time, never a wrong sum.

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "images/checksum.hpp"

namespace cedana::images {

class MemoryImageFollower {
public:
    // Starts following `dir`, which must exist and should still be empty of memory images.
    // Throws cedana::Error when the directory cannot be watched.
    explicit MemoryImageFollower(const std::filesystem::path& dir);
    // Stops the thread, if finish() did not.
    ~MemoryImageFollower();
    MemoryImageFollower(const MemoryImageFollower&) = delete;
    MemoryImageFollower& operator=(const MemoryImageFollower&) = delete;

    // Once the writer is done: reads what is left and returns the sums of every memory image
    // of the directory, by file name.
    std::map<std::string, FileSum> finish();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace cedana::images
