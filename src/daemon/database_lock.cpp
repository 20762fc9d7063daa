#include "daemon/database_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "util/error.hpp"

namespace cedana::daemon {

namespace {

std::string holder_of(int fd) {
    char text[32] = {};
    const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
    if (n <= 0) return "another cedana daemon";
    std::string pid(text, static_cast<std::size_t>(n));
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return "the cedana daemon with PID " + pid;
}

}  // namespace

DatabaseLock::DatabaseLock(const std::string& database) {
    const std::string path = database + ".lock";
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    fd_ = util::UniqueFd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_) fail(ErrorKind::failed_precondition, "cannot open {}: {} (set DB.Path or daemon start --db)", path, std::strerror(errno));
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) fail(ErrorKind::failed_precondition, "cannot lock {}: {}", path, std::strerror(errno));
        fail(ErrorKind::failed_precondition,
             "the job database {} is in use by {}; stop that daemon, or give this one a database of its own (daemon start --db or DB.Path)",
             database, holder_of(fd_.get()));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_.get(), 0) != 0 || ::pwrite(fd_.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        fail(ErrorKind::failed_precondition, "cannot write {}: {}", path, std::strerror(errno));
    }
}

}  // namespace cedana::daemon
