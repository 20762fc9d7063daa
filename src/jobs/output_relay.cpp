#include "jobs/output_relay.hpp"

#include <fcntl.h>
#include <signal.h>
#include <linux/close_range.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace cedana::jobs {

namespace {

// The relay's whole life, in the child: async-signal-safe calls only.
[[noreturn]] void relay(int in, int out) {
    ::setsid();
    // The daemon's threads block the signals it reads from a signalfd; the relay takes them.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(in, buffer, sizeof buffer);
        if (n == 0) ::_exit(0);
        if (n < 0) {
            if (errno == EINTR) continue;
            ::_exit(1);
        }
        // A log that cannot be written (full disk) loses output, never the workload.
        for (ssize_t done = 0; done < n;) {
            const ssize_t w = ::write(out, buffer + done, static_cast<size_t>(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) break;
            done += w;
        }
    }
}

}  // namespace

OutputRelay start_output_relay(const util::UniqueFd& log) {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) fail(ErrorKind::internal, "cannot make the job's output pipe: {}", std::strerror(errno));
    util::UniqueFd read_end(ends[0]);
    util::UniqueFd write_end(ends[1]);
    const pid_t pid = ::fork();
    if (pid < 0) fail(ErrorKind::internal, "cannot start the job's output relay: {}", std::strerror(errno));
    if (pid == 0) {
        // Only the pipe's read end and the log stay open: the relay holds nothing of the daemon's.
        // Moved above 4 first: either may be 3 or 4 already.
        const int in = ::fcntl(read_end.get(), F_DUPFD, 10);
        const int out = ::fcntl(log.get(), F_DUPFD, 10);
        if (in < 0 || out < 0 || ::dup2(in, 3) < 0 || ::dup2(out, 4) < 0) ::_exit(1);
        ::close_range(5, ~0U, 0);
        ::close(0);
        ::close(1);
        ::close(2);
        relay(3, 4);
    }
    return {std::move(write_end), pid};
}

}  // namespace cedana::jobs
