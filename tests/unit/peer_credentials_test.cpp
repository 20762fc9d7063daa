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
    // A socket made by a child that dropped to uid/gid 65534 before creating it.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(ready[1]);
        if (::setgroups(0, nullptr) != 0 || ::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(2);
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) ::_exit(3);
        // Hand one end to the parent over the root-made pair.
        char byte = 0;
        iovec iov{&byte, 1};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cm), &fds[0], sizeof(int));
        if (::sendmsg(p.b.get(), &msg, 0) != 1) ::_exit(4);
        char done = 0;
        [[maybe_unused]] auto n = ::read(ready[0], &done, 1);  // EOF once the parent has looked
        ::_exit(0);
    }
    ::close(ready[0]);
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))]{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ASSERT_EQ(::recvmsg(p.a.get(), &msg, 0), 1);
    int received = -1;
    std::memcpy(&received, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
    const UniqueFd theirs(received);
    const auto cred = socket_peer_credentials(theirs.get());
    ::close(ready[1]);
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
