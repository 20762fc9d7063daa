#include "plugins/runc/console_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "transport/unix_address.hpp"
#include "util/error.hpp"

namespace cedana::plugins::runc {

util::UniqueFd connect_console_socket(const std::string& path) {
    const sockaddr_un address = transport::unix_address(path);
    util::UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) fail(ErrorKind::internal, "cannot create a socket for --console-socket: {}", std::strerror(errno));
    int rc = 0;
    do {
        rc = ::connect(sock.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        fail(ErrorKind::failed_precondition, "--console-socket {}: cannot connect: {}; start the program that receives the terminal first",
             path, std::strerror(errno));
    }
    return sock;
}

void send_console(int socket, int master, const std::string& path) {
    // runc names the descriptor in the message's payload; receivers read it as the file's name.
    static const char kName[] = "orphan-pts-master";
    iovec iov{const_cast<char*>(kName), sizeof kName - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &master, sizeof(int));
    ssize_t sent = 0;
    do {
        sent = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    } while (sent < 0 && errno == EINTR);
    if (sent != static_cast<ssize_t>(iov.iov_len)) {
        fail(ErrorKind::failed_precondition, "--console-socket {}: cannot hand the container's terminal over: {}", path,
             sent < 0 ? std::strerror(errno) : "the message was cut short");
    }
}

}  // namespace cedana::plugins::runc
