#include "util/inotify_pool.hpp"

#include <sys/inotify.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "util/error.hpp"

namespace cedana::util {

namespace {

std::mutex pool_mutex;
std::vector<UniqueFd>& idle() {
    static std::vector<UniqueFd> fds;
    return fds;
}

}  // namespace

UniqueFd take_inotify() {
    {
        const std::lock_guard lock(pool_mutex);
        if (!idle().empty()) {
            UniqueFd fd = std::move(idle().back());
            idle().pop_back();
            return fd;
        }
    }
    UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!fd) fail(ErrorKind::internal, "cannot create an inotify instance: {}", std::strerror(errno));
    return fd;
}

void give_back_inotify(UniqueFd fd, const std::vector<int>& watches) {
    for (const int wd : watches) {
        // EINVAL: the watched file is gone, and its watch with it.
        if (::inotify_rm_watch(fd.get(), wd) != 0 && errno != EINVAL) return;
    }
    alignas(inotify_event) char events[16 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd.get(), events, sizeof events);
        if (n > 0 || (n < 0 && errno == EINTR)) continue;
        if (n < 0 && errno == EAGAIN) break;
        return;  // an instance that reads oddly is closed, not reused
    }
    const std::lock_guard lock(pool_mutex);
    idle().push_back(std::move(fd));
}

}  // namespace cedana::util
