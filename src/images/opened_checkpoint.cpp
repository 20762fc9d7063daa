#include "images/opened_checkpoint.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "images/archive.hpp"
#include "images/shards/shard_unpack.hpp"
#include "util/error.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

// Beside the archive when that directory is writable (same filesystem, no copy to /tmp).
fs::path make_scratch(const fs::path& near) {
    std::string pattern = (near / ".cedana-restore-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    pattern = (fs::temp_directory_path() / ".cedana-restore-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) return pattern;
    fail(ErrorKind::failed_precondition, "cannot create a directory to extract the checkpoint: {}", std::strerror(errno));
}

}  // namespace

OpenedCheckpoint::OpenedCheckpoint(const fs::path& path) : format_(detect(path)) {
    std::optional<shards::ShardLayout> layout;
    if (format_ == Compression::none) {
        layout = shards::find_shards(path);
        if (!layout) {
            dir_ = path;
            return;
        }
        format_ = layout->compression;
        streamed_ = true;
    }
    scratch_ = make_scratch(path.parent_path());
    dir_ = scratch_;
    try {
        if (layout) {
            shards::unpack_shards(*layout, scratch_);
        } else {
            unpack(path, format_, scratch_);
        }
    } catch (...) {
        std::error_code ec;
        fs::remove_all(scratch_, ec);
        throw;
    }
}

OpenedCheckpoint::~OpenedCheckpoint() {
    if (scratch_.empty()) return;
    std::error_code ec;
    fs::remove_all(scratch_, ec);
}

}  // namespace cedana::images
