#include "engine/criu_rpc.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <utility>

#include "util/owned_children.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

extern char** environ;

namespace cedana::engine {

namespace {

// Where descriptors land in CRIU: the RPC socket, then the inherited ones in order.
constexpr int kSocketFd = 3;
// Parent-side copies are moved above this first, so that no dup2 of the child's file actions
// overwrites a source another action still needs.
constexpr int kStagingFloor = 100;

util::UniqueFd stage(int fd) {
    util::UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, kStagingFloor));
    if (!copy) fail(ErrorKind::internal, "cannot pass descriptor {} to CRIU: {}", fd, std::strerror(errno));
    return copy;
}

// For the lifetime of this object the calling thread is in the cgroup namespace `fd`, so that
// what it spawns starts there; then it is back in its own. A cgroup namespace is a thread's,
// so nothing else of the process moves.
class InCgroupNamespace {
public:
    explicit InCgroupNamespace(int fd) {
        if (fd < 0) return;
        own_.reset(::open("/proc/thread-self/ns/cgroup", O_RDONLY | O_CLOEXEC));
        if (!own_) fail(ErrorKind::internal, "cannot open this thread's cgroup namespace: {}", std::strerror(errno));
        if (::setns(fd, CLONE_NEWCGROUP) != 0) fail(ErrorKind::failed_precondition, "cannot enter the cgroup namespace CRIU is to run in: {}", std::strerror(errno));
    }
    ~InCgroupNamespace() {
        // Failing to return would leave the thread in the container's namespace: nothing
        // this thread does afterwards could be trusted.
        if (own_ && ::setns(own_.get(), CLONE_NEWCGROUP) != 0) std::abort();
    }
    InCgroupNamespace(const InCgroupNamespace&) = delete;
    InCgroupNamespace& operator=(const InCgroupNamespace&) = delete;

private:
    util::UniqueFd own_;
};

// The CRIU process, killed and reaped if the conversation is abandoned. Owned (see
// util/owned_children.hpp) until reaped, or until release() hands it to the caller.
class Child {
public:
    explicit Child(pid_t pid) : pid_(pid) {}
    ~Child() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        wait();
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    pid_t release() { return std::exchange(pid_, -1); }

    int wait() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        util::owned_children().disown(pid_);
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_;
};

void send_message(int fd, const criu_req& req) {
    const std::string bytes = req.SerializeAsString();
    if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size())) {
        fail(ErrorKind::internal, "cannot send a request to CRIU: {}", std::strerror(errno));
    }
}

// SOCK_SEQPACKET keeps message boundaries; peeking with MSG_TRUNC gives the whole size. A
// descriptor CRIU sends along (SCM_RIGHTS) lands in `passed`.
criu_resp receive_message(int fd, util::UniqueFd& passed) {
    char probe = 0;
    ssize_t size = 0;
    do {
        size = ::recv(fd, &probe, 1, MSG_PEEK | MSG_TRUNC);
    } while (size < 0 && errno == EINTR);
    if (size <= 0) {
        fail(ErrorKind::internal, "CRIU ended the conversation without an answer{}", size < 0 ? std::string(": ") + std::strerror(errno) : "");
    }
    std::string buffer(static_cast<std::size_t>(size), '\0');
    iovec iov{buffer.data(), buffer.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t got = 0;
    do {
        got = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (got < 0 && errno == EINTR);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int received = -1;
            std::memcpy(&received, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            // One descriptor per message is all CRIU sends; any more are closed.
            util::UniqueFd owned(received);
            if (!passed) passed = std::move(owned);
        }
    }
    if (got != size) fail(ErrorKind::internal, "cannot read CRIU's answer: {}", got < 0 ? std::strerror(errno) : "it was cut short");
    criu_resp resp;
    if (!resp.ParseFromString(buffer)) fail(ErrorKind::internal, "CRIU sent an answer that does not parse");
    return resp;
}

}  // namespace

criu_resp run_criu(const std::string& binary, criu_req req, const std::vector<InheritFd>& inherit, const NotifyFn& notify) {
    CriuLaunch plain;
    return run_criu(binary, std::move(req), inherit, notify, plain);
}

criu_resp run_criu(const std::string& binary, criu_req req, const std::vector<InheritFd>& inherit, const NotifyFn& notify,
                   CriuLaunch& launch) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        fail(ErrorKind::internal, "socketpair for CRIU: {}", std::strerror(errno));
    }
    util::UniqueFd ours(pair[0]);
    util::UniqueFd theirs(pair[1]);

    std::vector<util::UniqueFd> staged;
    staged.push_back(stage(theirs.get()));
    for (std::size_t i = 0; i < inherit.size(); ++i) {
        staged.push_back(stage(inherit[i].fd));
        auto* entry = req.mutable_opts()->add_inherit_fd();
        entry->set_key(inherit[i].key);
        entry->set_fd(kSocketFd + 1 + static_cast<int>(i));
    }

    util::UniqueFd staged_stdin;
    if (launch.stdin_fd >= 0) staged_stdin = stage(launch.stdin_fd);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (staged_stdin) posix_spawn_file_actions_adddup2(&actions, staged_stdin.get(), STDIN_FILENO);
    for (std::size_t i = 0; i < staged.size(); ++i) {
        posix_spawn_file_actions_adddup2(&actions, staged[i].get(), kSocketFd + static_cast<int>(i));
    }
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    const std::string fd_arg = std::to_string(kSocketFd);
    std::vector<std::string> args = launch.launcher;
    args.insert(args.end(), {binary, "swrk", fd_arg});
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    auto held = util::owned_children().hold();
    int err = 0;
    {
        const InCgroupNamespace in(launch.cgroupns_fd);
        err = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
    }
    if (err == 0) util::owned_children().own(held, pid);
    held.unlock();
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (err != 0) fail(ErrorKind::failed_precondition, "cannot start CRIU ({}): {}", args.front(), std::strerror(err));
    Child child(pid);
    if (launch.started && launch.launcher.empty()) launch.started(pid);
    staged.clear();
    staged_stdin.reset();
    theirs.reset();

    send_message(ours.get(), req);
    // A refused notify makes CRIU undo its work (a restore kills what it restored), so the
    // conversation goes on to CRIU's final answer before the refusal is reported.
    std::exception_ptr refused;
    for (;;) {
        util::UniqueFd passed;
        criu_resp resp = receive_message(ours.get(), passed);
        if (resp.type() != NOTIFY) {
            ours.reset();
            if (launch.launcher.empty()) {
                child.wait();
            } else {
                launch.launcher_pid = child.release();
            }
            if (refused) std::rethrow_exception(refused);
            return resp;
        }
        criu_req ack;
        ack.set_type(NOTIFY);
        ack.set_notify_success(true);
        if (notify && !refused) {
            try {
                Notification note{resp.notify().script(), resp.notify().pid(), std::move(passed)};
                notify(note);
            } catch (...) {
                refused = std::current_exception();
                ack.set_notify_success(false);
            }
        }
        send_message(ours.get(), ack);
    }
}

}  // namespace cedana::engine
