#include "plugins/store/store_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::plugins::store {

namespace {

constexpr std::uint64_t kResolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;

int open_beneath(int dirfd, const std::string& path, int flags, mode_t mode = 0) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & O_CREAT) != 0 ? mode : 0;
    how.resolve = kResolve;
    for (;;) {
        const long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
        if (fd >= 0 || errno != EINTR) return static_cast<int>(fd);
    }
}

util::UniqueFd open_folder(int dirfd, const std::string& name, const std::string& shown) {
    util::UniqueFd fd(open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY));
    if (!fd) fail(ErrorKind::failed_precondition, "store folder {}: {}", shown, std::strerror(errno));
    return fd;
}

void make_folder(int dirfd, const std::string& name, const std::string& shown) {
    if (::mkdirat(dirfd, name.c_str(), 0700) != 0 && errno != EEXIST) {
        fail(ErrorKind::failed_precondition, "cannot make the store folder {}: {}", shown, std::strerror(errno));
    }
}

void sync_fd(int fd, const std::string& shown) {
    if (::fsync(fd) != 0) fail(ErrorKind::internal, "cannot sync {}: {}", shown, std::strerror(errno));
}

}  // namespace

StoreTree::StoreTree(const std::string& dir) : dir_(dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail(ErrorKind::invalid_argument, "--dir {}: cannot be made: {}", dir, ec.message());
    const util::UniqueFd root(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) fail(ErrorKind::invalid_argument, "--dir {}: {}", dir, std::strerror(errno));
    // A store holds other people's checkpoints: memory of their processes.
    if (::fchmod(root.get(), 0700) != 0) fail(ErrorKind::invalid_argument, "--dir {}: cannot chmod 700: {}", dir, std::strerror(errno));
    make_folder(root.get(), "objects", dir + "/objects");
    make_folder(root.get(), "partial", dir + "/partial");
    objects_ = open_folder(root.get(), "objects", dir + "/objects");
    partial_ = open_folder(root.get(), "partial", dir + "/partial");
    // What a store that stopped left unfinished can never be completed: its URLs died with it.
    DIR* listing = ::fdopendir(::dup(partial_.get()));
    if (listing == nullptr) fail(ErrorKind::internal, "cannot list {}/partial: {}", dir, std::strerror(errno));
    while (const dirent* entry = ::readdir(listing)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") remove_partial(name);
    }
    ::closedir(listing);
}

std::optional<std::vector<util::UniqueFd>> StoreTree::parents(const RequestTarget& path, bool create) const {
    std::vector<util::UniqueFd> out;
    out.emplace_back(::dup(objects_.get()));
    if (!out.back()) fail(ErrorKind::internal, "cannot duplicate a descriptor: {}", std::strerror(errno));
    std::string shown = dir_ + "/objects";
    std::string relative;
    for (std::size_t i = 0; i + 1 < path.segments.size(); ++i) {
        const std::string& name = path.segments[i];
        shown += "/" + name;
        relative += relative.empty() ? name : "/" + name;
        if (create) make_folder(out.back().get(), name, shown);
        util::UniqueFd next(open_beneath(out.back().get(), name, O_RDONLY | O_DIRECTORY));
        if (!next) {
            if (!create && (errno == ENOENT || errno == ENOTDIR)) return std::nullopt;
            if (errno == ENOTDIR) fail(ErrorKind::failed_precondition, "{} is a file: it cannot also be a folder", relative);
            fail(ErrorKind::failed_precondition, "store folder {}: {}", shown, std::strerror(errno));
        }
        out.push_back(std::move(next));
    }
    return out;
}

std::optional<util::UniqueFd> StoreTree::open_object(const RequestTarget& path) const {
    if (path.segments.empty()) return std::nullopt;
    util::UniqueFd fd(open_beneath(objects_.get(), path.path, O_RDONLY | O_NOFOLLOW));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV) return std::nullopt;
        fail(ErrorKind::internal, "cannot open {}: {}", path.path, std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail(ErrorKind::internal, "cannot stat {}: {}", path.path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return std::nullopt;
    return fd;
}

std::optional<std::vector<std::string>> StoreTree::list(const RequestTarget& path) const {
    util::UniqueFd fd(path.segments.empty() ? ::dup(objects_.get()) : open_beneath(objects_.get(), path.path, O_RDONLY | O_DIRECTORY));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP || errno == EXDEV) return std::nullopt;
        fail(ErrorKind::internal, "cannot open the folder {}: {}", path.path, std::strerror(errno));
    }
    DIR* listing = ::fdopendir(fd.get());
    if (listing == nullptr) fail(ErrorKind::internal, "cannot list {}: {}", path.path, std::strerror(errno));
    (void)fd.release();  // closedir closes it
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(listing)) {
        const std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        struct stat st {};
        if (::fstatat(::dirfd(listing), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISDIR(st.st_mode)) names.push_back(name + "/");
        else if (S_ISREG(st.st_mode)) names.push_back(name);
    }
    ::closedir(listing);
    std::ranges::sort(names);
    return names;
}

bool StoreTree::remove(const RequestTarget& path) {
    if (path.segments.empty()) return false;
    auto folders = parents(path, false);
    if (!folders) return false;
    const std::string& leaf = path.segments.back();
    struct stat st {};
    if (::fstatat(folders->back().get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return false;
    if (::unlinkat(folders->back().get(), leaf.c_str(), 0) != 0) {
        if (errno == ENOENT) return false;
        fail(ErrorKind::internal, "cannot delete {}: {}", path.path, std::strerror(errno));
    }
    // Folders the file leaves empty go too, so that a deleted checkpoint leaves no trace in
    // listings; the first that still holds something ends it.
    for (std::size_t i = folders->size() - 1; i > 0; --i) {
        if (::unlinkat((*folders)[i - 1].get(), path.segments[i - 1].c_str(), AT_REMOVEDIR) != 0) break;
    }
    return true;
}

util::UniqueFd StoreTree::create_partial(const std::string& name) {
    util::UniqueFd fd(open_beneath(partial_.get(), name, O_RDWR | O_CREAT | O_EXCL, 0600));
    if (!fd) fail(ErrorKind::internal, "cannot make {}/partial/{}: {}", dir_, name, std::strerror(errno));
    return fd;
}

void StoreTree::remove_partial(const std::string& name) noexcept {
    if (::unlinkat(partial_.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
        spdlog::warn("cannot remove the unfinished upload {}/partial/{}: {}", dir_, name, std::strerror(errno));
    }
}

void StoreTree::publish(const std::string& name, int fd, const RequestTarget& path) {
    sync_fd(fd, path.path);
    auto folders = parents(path, true);
    if (::renameat(partial_.get(), name.c_str(), folders->back().get(), path.segments.back().c_str()) != 0) {
        if (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST) {
            fail(ErrorKind::failed_precondition, "{} is a folder: it cannot also be a file", path.path);
        }
        fail(ErrorKind::internal, "cannot put {} in place: {}", path.path, std::strerror(errno));
    }
    sync_fd(folders->back().get(), path.path);
}

}  // namespace cedana::plugins::store
