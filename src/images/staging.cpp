#include "images/staging.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

Staging::Staging(const fs::path& dir, const std::string& name) : dir_(dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::path first_missing = dir;
        while (first_missing.has_parent_path() && !fs::exists(first_missing.parent_path(), ec)) first_missing = first_missing.parent_path();
        fs::create_directories(dir, ec);
        if (ec) fail(ErrorKind::failed_precondition, "cannot create checkpoint directory {}: {}", dir.string(), ec.message());
        created_dir_ = first_missing;
    } else if (!fs::is_directory(dir, ec)) {
        fail(ErrorKind::invalid_argument, "{} is not a directory; choose another --dir", dir.string());
    }
    std::string pattern = (dir / ("." + name + ".partial-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        const int err = errno;
        if (!created_dir_.empty()) fs::remove_all(created_dir_, ec);
        fail(ErrorKind::failed_precondition, "cannot write checkpoint in {}: {}", dir.string(), std::strerror(err));
    }
    work_ = pattern;
    leftover_ = util::Leftover({work_, partial_file()});
}

fs::path Staging::partial_file() const { return work_.string() + ".archive"; }

void Staging::publish(const fs::path& built, const fs::path& final_path) {
    // renameat2(RENAME_NOREPLACE): never replaces a checkpoint that appeared meanwhile.
    if (::renameat2(AT_FDCWD, built.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0) {
        fail(ErrorKind::failed_precondition, "cannot publish checkpoint {}: {}", final_path.string(), std::strerror(errno));
    }
    published_ = true;
}

Staging::~Staging() {
    std::error_code ec;
    fs::remove_all(work_, ec);
    if (ec) spdlog::warn("cannot remove {}: {}", work_.string(), ec.message());
    fs::remove(partial_file(), ec);
    if (!published_ && !created_dir_.empty()) fs::remove_all(created_dir_, ec);
}

}  // namespace cedana::images
