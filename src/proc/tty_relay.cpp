#include "proc/tty_relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::proc {

Pty open_pty() {
    Pty pty;
    pty.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!pty.master || ::grantpt(pty.master.get()) != 0 || ::unlockpt(pty.master.get()) != 0) {
        fail(ErrorKind::failed_precondition, "cannot open a pseudo-terminal for the restored process: {}", std::strerror(errno));
    }
    char name[128];
    if (::ptsname_r(pty.master.get(), name, sizeof name) != 0) {
        fail(ErrorKind::failed_precondition, "cannot name the pseudo-terminal: {}", std::strerror(errno));
    }
    pty.slave_path = name;
    return pty;
}

TtyRelay::TtyRelay(util::UniqueFd master, util::UniqueFd out)
    : master_(std::move(master)), out_(std::move(out)), stop_(::eventfd(0, EFD_CLOEXEC)) {
    if (!stop_) fail(ErrorKind::internal, "eventfd: {}", std::strerror(errno));
    thread_ = std::thread([this] { run(); });
}

void TtyRelay::drain() {
    if (thread_.joinable()) thread_.join();
}

TtyRelay::~TtyRelay() {
    if (!thread_.joinable()) return;
    const std::uint64_t one = 1;
    if (::write(stop_.get(), &one, sizeof one) != sizeof one) spdlog::warn("tty relay: cannot stop: {}", std::strerror(errno));
    thread_.join();
}

bool TtyRelay::finished() const { return finished_.load(); }

void TtyRelay::run() {
    char buffer[16384];
    bool pending_cr = false;
    for (;;) {
        pollfd fds[2] = {{master_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[1].revents != 0) break;
        const ssize_t got = ::read(master_.get(), buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        // EIO: every holder of the slave has closed it, the process is gone.
        if (got <= 0) break;
        std::string text;
        for (ssize_t i = 0; i < got; ++i) {
            if (pending_cr && buffer[i] != '\n') text += '\r';
            pending_cr = buffer[i] == '\r';
            if (!pending_cr) text += buffer[i];
        }
        for (std::size_t done = 0; done < text.size();) {
            const ssize_t written = ::write(out_.get(), text.data() + done, text.size() - done);
            if (written < 0 && errno == EINTR) continue;
            if (written <= 0) {
                spdlog::warn("tty relay: cannot write the restored process's output: {}", std::strerror(errno));
                break;
            }
            done += static_cast<std::size_t>(written);
        }
    }
    finished_ = true;
}

}  // namespace cedana::proc
