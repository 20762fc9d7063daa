#include "images/opened_checkpoint.hpp"

#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include "images/archive.hpp"
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
    if (format_ == Compression::none) {
        dir_ = path;
        return;
    }
    scratch_ = make_scratch(path.parent_path());
    dir_ = scratch_;
    try {
        unpack(path, format_, scratch_);
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
