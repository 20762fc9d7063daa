#include "daemon/reaper.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "util/error.hpp"
#include "util/owned_children.hpp"

namespace cedana::daemon {

namespace {

util::UniqueFd sigchld_fd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    util::UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) fail(ErrorKind::internal, "signalfd: {}", std::strerror(errno));
    return fd;
}

void drain_signals(int fd) {
    signalfd_siginfo info{};
    while (::read(fd, &info, sizeof info) == sizeof info) {
    }
}

void poke(int fd) {
    const std::uint64_t one = 1;
    if (::write(fd, &one, sizeof one) != sizeof one) spdlog::warn("reaper: cannot wake: {}", std::strerror(errno));
}

}  // namespace

Reaper::Reaper() : wake_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), sigchld_(sigchld_fd()) {
    if (!wake_) fail(ErrorKind::internal, "eventfd: {}", std::strerror(errno));
    thread_ = std::thread([this] { loop(); });
}

Reaper::~Reaper() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    poke(wake_.get());
    thread_.join();
}

void Reaper::adopt(int pid, std::function<void(int)> on_exit) {
    util::UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) {
        spdlog::warn("cannot watch child {}: {}; the sweep of orphans will reap it", pid, std::strerror(errno));
        util::owned_children().disown(pid);
        return;
    }
    {
        const std::lock_guard lock(mutex_);
        children_.insert_or_assign(pid, Child{std::move(pidfd), std::move(on_exit)});
    }
    poke(wake_.get());
}

void Reaper::loop() {
    for (;;) {
        std::vector<pollfd> fds{{wake_.get(), POLLIN, 0}, {sigchld_.get(), POLLIN, 0}};
        std::vector<int> pids;
        {
            const std::lock_guard lock(mutex_);
            if (stopping_) return;
            for (const auto& [pid, child] : children_) {
                fds.push_back({child.pidfd.get(), POLLIN, 0});
                pids.push_back(pid);
            }
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            spdlog::error("reaper: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[0].revents & POLLIN) {
            std::uint64_t count = 0;
            [[maybe_unused]] const auto drained = ::read(wake_.get(), &count, sizeof count);
        }
        constexpr std::size_t kFirstChild = 2;
        for (std::size_t i = kFirstChild; i < fds.size(); ++i) {
            if (!(fds[i].revents & POLLIN)) continue;
            const int pid = pids[i - kFirstChild];
            std::function<void(int)> on_exit;
            {
                const std::lock_guard lock(mutex_);
                const auto it = children_.find(pid);
                if (it != children_.end()) on_exit = std::move(it->second.on_exit);
                children_.erase(pid);
            }
            int status = 0;
            const bool reaped = ::waitpid(pid, &status, WNOHANG) == pid;
            util::owned_children().disown(pid);
            if (!reaped) continue;
            const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            spdlog::info("child {} ended with status {}", pid, code);
            if (!on_exit) continue;
            try {
                on_exit(code);
            } catch (const std::exception& e) {
                spdlog::warn("cannot record the end of {}: {}", pid, e.what());
            }
        }
        if (fds[1].revents & POLLIN) {
            drain_signals(sigchld_.get());
            util::owned_children().reap_orphans();
        }
    }
}

}  // namespace cedana::daemon
