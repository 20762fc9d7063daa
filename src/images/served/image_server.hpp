#pragma once
// A read-only FUSE filesystem of a few files whose bytes come from a function, not a disk:
// how CRIU reads a streamed checkpoint's memory images straight from their shards. CRIU
// opens the images by name in its images directory and reads them with pread/preadv,
// which needs a file (a pipe cannot seek), and it keeps its RPC, notifications and
// inherited fds, which CRIU's own --stream option (command line only) would give up.
//
// Files are opened direct_io: every read CRIU makes reaches the reader, with nothing kept in
// the page cache, and the bytes are copied once, from the decoded frame into the process.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "images/served/frame_stream.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

struct fuse_session;

namespace cedana::images::served {

class ImageServer {
public:
    struct File {
        std::string name;
        std::uint64_t size = 0;
    };
    // `size` bytes of file `file` (an index into the files) from `offset` on, never past its
    // end, as slices. What it throws is answered to the reader as EIO.
    using Reader = std::function<void(std::size_t file, std::uint64_t offset, std::size_t size, std::vector<Slice>& out)>;

    // Mounts the files at `mountpoint`, an existing empty directory, and serves them on a
    // thread of its own. Throws cedana::Error(unavailable) when FUSE cannot be used here
    // (no /dev/fuse, not root): the caller extracts the images instead.
    ImageServer(const std::filesystem::path& mountpoint, std::vector<File> files, Reader reader);
    // Unmounts and stops serving.
    ~ImageServer();
    ImageServer(const ImageServer&) = delete;
    ImageServer& operator=(const ImageServer&) = delete;

    struct Ops;  // the FUSE callbacks, in the .cpp

private:
    void serve_loop();

    std::filesystem::path mountpoint_;
    std::vector<File> files_;
    Reader reader_;
    util::UniqueFd stop_;  // eventfd: written to stop the loop
    fuse_session* session_ = nullptr;
    std::thread loop_;
};

}  // namespace cedana::images::served
