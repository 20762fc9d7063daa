#include "transport/peer_credentials.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "util/unique_fd.hpp"

namespace {

using cedana::transport::peer_credentials;
using cedana::transport::socket_peer_credentials;
using cedana::util::UniqueFd;

struct Pair {
    UniqueFd a, b;
};

// A one-byte message with room for one descriptor (SCM_RIGHTS).
struct FdMessage {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
    msghdr msg{};
    FdMessage() {
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
    }
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;
};

Pair unix_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

TEST(PeerCredentials, UnixSocketNamesThisProcess) {
    const Pair p = unix_pair();
    const auto cred = socket_peer_credentials(p.a.get());
    ASSERT_TRUE(cred.has_value());
    EXPECT_EQ(cred->pid, ::getpid());
    EXPECT_EQ(cred->uid, ::geteuid());
    EXPECT_EQ(cred->gid, ::getegid());
}

TEST(PeerCredentials, GrpcFdPeerStringIsResolved) {
    const Pair p = unix_pair();
    const auto cred = peer_credentials(fmt::format("fd:{}", p.a.get()));
    ASSERT_TRUE(cred.has_value());
    EXPECT_EQ(cred->pid, ::getpid());
}

TEST(PeerCredentials, OtherPeersHaveNone) {
    EXPECT_FALSE(peer_credentials("ipv4:127.0.0.1:4242").has_value());
    EXPECT_FALSE(peer_credentials("unix:/run/cedana.sock").has_value());
    EXPECT_FALSE(peer_credentials("fd:").has_value());
    EXPECT_FALSE(peer_credentials("fd:12x").has_value());
    EXPECT_FALSE(peer_credentials("fd:-1").has_value());
    int pipe_fds[2];
    ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    const UniqueFd r(pipe_fds[0]), w(pipe_fds[1]);
    EXPECT_FALSE(socket_peer_credentials(r.get()).has_value());
    const UniqueFd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(tcp);
    EXPECT_FALSE(socket_peer_credentials(tcp.get()).has_value());
}

// The kernel records who connected, not who holds the other end later.
TEST(PeerCredentials, ReportsTheUserWhoConnected) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to become another user";
    Pair p = unix_pair();
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    // The child waits for EOF on it: the parent closes its end once it has looked.
    UniqueFd ready_read(ready[0]), ready_write(ready[1]);
    // A socket made by a child that dropped to uid/gid 65534 before creating it.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ready_write.reset();
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(2);
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) ::_exit(3);
        // Hand one end to the parent over the root-made pair.
        FdMessage out;
        cmsghdr* cm = CMSG_FIRSTHDR(&out.msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cm), &fds[0], sizeof(int));
        if (::sendmsg(p.b.get(), &out.msg, 0) != 1) ::_exit(4);
        char done = 0;
        [[maybe_unused]] auto n = ::read(ready_read.get(), &done, 1);
        ::_exit(0);
    }
    ready_read.reset();
    FdMessage in;
    ASSERT_EQ(::recvmsg(p.a.get(), &in.msg, 0), 1);
    int received = -1;
    std::memcpy(&received, CMSG_DATA(CMSG_FIRSTHDR(&in.msg)), sizeof(int));
    const UniqueFd theirs(received);
    const auto cred = socket_peer_credentials(theirs.get());
    ready_write.reset();
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(cred.has_value());
    EXPECT_EQ(cred->pid, child);
    EXPECT_EQ(cred->uid, 65534u);
    EXPECT_EQ(cred->gid, 65534u);
    EXPECT_TRUE(cred->groups.empty());
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
