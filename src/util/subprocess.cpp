#include "util/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <sstream>
#include <cerrno>
#include <climits>
#include <system_error>

#include "util/owned_children.hpp"
#include "util/unique_fd.hpp"

namespace cedana::util {
namespace {

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw std::system_error(err, std::generic_category(), what);
}

// posix_spawn* functions return the error instead of setting errno.
void check_spawn(int rc, const char* what) {
    if (rc != 0) throw_errno(rc, what);
}

struct Pipe {
    UniqueFd read;
    UniqueFd write;
};

Pipe make_pipe() {
    // O_CLOEXEC so the child keeps only the ends dup2'ed onto its stdout/stderr; a stray
    // write end left open in it would keep our reads from ever seeing EOF.
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

class FileActions {
public:
    FileActions() { check_spawn(::posix_spawn_file_actions_init(&actions_), "posix_spawn_file_actions_init"); }
    ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    posix_spawn_file_actions_t* get() { return &actions_; }

private:
    posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
public:
    SpawnAttributes() { check_spawn(::posix_spawnattr_init(&attr_), "posix_spawnattr_init"); }
    ~SpawnAttributes() { ::posix_spawnattr_destroy(&attr_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    posix_spawnattr_t* get() { return &attr_; }

private:
    posix_spawnattr_t attr_;
};

// A started child that must be reaped: if we leave early (an exception), it is killed and
// reaped here so that neither a zombie nor a runaway helper outlives the call. Owned
// (util/owned_children.hpp) until then.
class Child {
public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        owned_children().disown(pid_);
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    [[nodiscard]] pid_t pid() const { return pid_; }

    // Safe by pid: until we reap it, the kernel cannot hand the pid to another process.
    void kill() const {
        if (::kill(pid_, SIGKILL) != 0) throw_errno(errno, "kill");
    }

    // Returns the raw wait status.
    int wait() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            owned_children().disown(pid_);
            pid_ = -1;  // Nothing left that we could reap.
            throw_errno(err, "waitpid");
        }
        owned_children().disown(pid_);
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_;
};

pid_t spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
    FileActions actions;
    check_spawn(::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0),
                "posix_spawn_file_actions_addopen");
    check_spawn(::posix_spawn_file_actions_adddup2(actions.get(), out_fd, STDOUT_FILENO),
                "posix_spawn_file_actions_adddup2");
    check_spawn(::posix_spawn_file_actions_adddup2(actions.get(), err_fd, STDERR_FILENO),
                "posix_spawn_file_actions_adddup2");

    // The daemon may block signals for its signal-handling thread or ignore SIGPIPE; both
    // survive exec, and a helper that inherits them misbehaves (or cannot be stopped).
    SpawnAttributes attr;
    sigset_t none;
    sigset_t all;
    ::sigemptyset(&none);
    ::sigfillset(&all);
    check_spawn(::posix_spawnattr_setsigmask(attr.get(), &none), "posix_spawnattr_setsigmask");
    check_spawn(::posix_spawnattr_setsigdefault(attr.get(), &all), "posix_spawnattr_setsigdefault");
    check_spawn(::posix_spawnattr_setflags(attr.get(), POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
                "posix_spawnattr_setflags");

    // posix_spawnp takes char* const[] for C compatibility but never writes through it.
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);

    pid_t pid = -1;
    auto held = owned_children().hold();
    const int rc = ::posix_spawnp(&pid, args[0], actions.get(), attr.get(), args.data(), environ);
    if (rc != 0) throw_errno(rc, "posix_spawnp " + argv[0]);
    owned_children().own(held, pid);
    return pid;
}

// Reads what is available; false once the writer side is closed.
bool read_some(int fd, std::string& sink) {
    std::array<char, 64 * 1024> buffer;
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) return true;
        throw_errno(errno, "read");
    }
    sink.append(buffer.data(), static_cast<std::size_t>(n));
    return n > 0;
}

int decode(int wait_status) {
    return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
}

}  // namespace

std::string find_program(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

Completed run_capture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    if (argv.empty()) {
        throw std::system_error(std::make_error_code(std::errc::invalid_argument), "run_capture: no program");
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;

    Pipe out = make_pipe();
    Pipe err = make_pipe();
    Child child(spawn(argv, out.write.get(), err.write.get()));
    out.write.reset();
    err.write.reset();

    // A pidfd lets one poll() wait for output and exit together, so the timeout also holds
    // for a child that closed its stdout/stderr but keeps running.
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child.pid(), 0)));
    if (!pidfd) throw_errno(errno, "pidfd_open");

    Completed result;
    std::array<UniqueFd*, 2> streams{&out.read, &err.read};
    std::array<std::string*, 2> sinks{&result.out, &result.err};
    std::array<pollfd, 3> fds{{{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}}};
    bool exited = false;

    // Both pipes are drained as data arrives: waiting on one while the child blocks writing
    // a full pipe on the other would deadlock.
    while (fds[0].fd >= 0 || fds[1].fd >= 0 || !exited) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        const int wait_ms = static_cast<int>(std::min<std::chrono::milliseconds::rep>(left.count(), INT_MAX));
        if (::poll(fds.data(), fds.size(), wait_ms) < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "poll");
        }
        for (std::size_t i = 0; i < streams.size(); ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            if (!read_some(fds[i].fd, *sinks[i])) {
                streams[i]->reset();
                fds[i].fd = -1;  // poll() skips negative descriptors.
            }
        }
        if (fds[2].revents != 0) {
            exited = true;
            fds[2].fd = -1;
        }
    }

    if (!exited) child.kill();
    result.status = decode(child.wait());
    return result;
}

}  // namespace cedana::util
