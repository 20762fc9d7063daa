#include "transport/listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <grpcpp/server_posix.h>
#include <grpcpp/security/server_credentials.h>
#include <spdlog/spdlog.h>

#include "transport/tls_credentials.hpp"
#include "transport/unix_address.hpp"
#include "util/error.hpp"

namespace cedana::transport {

namespace fs = std::filesystem;

namespace {

// True when something accepts connections on the UNIX socket at `path`.
bool unix_socket_is_live(const std::string& path) {
    util::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return false;
    const sockaddr_un addr = unix_address(path);
    return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

void prepare_unix_path(const std::string& path) {
    unix_address(path);  // refuses a path too long before anything is touched
    std::error_code ec;
    if (fs::exists(path, ec)) {
        if (unix_socket_is_live(path)) {
            fail(ErrorKind::failed_precondition, "another daemon is already listening at {}; stop it or choose another --address", path);
        }
        // Left behind by a daemon that was killed: safe to take over.
        if (!fs::is_socket(path, ec)) {
            fail(ErrorKind::failed_precondition, "{} exists and is not a socket; remove it or choose another --address", path);
        }
        fs::remove(path, ec);
    }
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot create the directory of {}: {}", path, ec.message());
}

}  // namespace

Listener::Listener(const Endpoint& endpoint, const ListenerSecurity& security, std::optional<gid_t> socket_group,
                   grpc::ServerBuilder& builder)
    : endpoint_(endpoint), socket_group_(socket_group) {
    switch (endpoint.protocol) {
        case Protocol::unix_socket: {
            prepare_unix_path(endpoint.path);
            listen_fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
            if (!listen_fd_) fail(ErrorKind::failed_precondition, "cannot create a UNIX socket: {}", std::strerror(errno));
            const sockaddr_un addr = unix_address(endpoint.path);
            // A restrictive umask keeps the socket file from ever being world-writable, even
            // before start() narrows it further.
            const mode_t old_umask = ::umask(0117);
            const int bound = ::bind(listen_fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
            ::umask(old_umask);
            if (bound != 0 || ::listen(listen_fd_.get(), SOMAXCONN) != 0) {
                fail(ErrorKind::failed_precondition, "cannot listen on {}: {}", endpoint.path, std::strerror(errno));
            }
            return;
        }
        case Protocol::tcp:
            builder.AddListeningPort(endpoint.grpc_uri(), security.tls ? server_tls_credentials(security.tls_files)
                                                                       : grpc::InsecureServerCredentials());
            return;
        case Protocol::vsock: {
            listen_fd_.reset(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
            if (!listen_fd_) fail(ErrorKind::failed_precondition, "vsock is not available on this machine: {}", std::strerror(errno));
            sockaddr_vm addr{};
            addr.svm_family = AF_VSOCK;
            addr.svm_cid = endpoint.cid;
            addr.svm_port = endpoint.port;
            if (::bind(listen_fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
                ::listen(listen_fd_.get(), SOMAXCONN) != 0) {
                fail(ErrorKind::failed_precondition, "cannot listen on vsock {}: {}", endpoint.display(), std::strerror(errno));
            }
            return;
        }
    }
}

void Listener::start(grpc::Server& server) {
    if (endpoint_.protocol == Protocol::unix_socket) {
        // Group-only: the socket gives whoever can write to it the daemon's (root) powers.
        if (socket_group_ && ::chown(endpoint_.path.c_str(), static_cast<uid_t>(-1), *socket_group_) != 0) {
            fail(ErrorKind::failed_precondition, "cannot give group {} the socket {}: {}", *socket_group_, endpoint_.path,
                 std::strerror(errno));
        }
        if (::chmod(endpoint_.path.c_str(), 0660) != 0) {
            fail(ErrorKind::failed_precondition, "cannot restrict {}: {}", endpoint_.path, std::strerror(errno));
        }
    }
    if (!listen_fd_) return;
    acceptor_ = std::thread([this, &server] {
        for (;;) {
            // gRPC's endpoints expect non-blocking descriptors: a blocking one stalls the transport.
            const int conn = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (conn < 0) {
                if (errno == EINTR || errno == ECONNABORTED) continue;
                if (!stopped_) spdlog::error("no longer accepting connections on {}: {}", endpoint_.display(), std::strerror(errno));
                return;  // shut down by stop(), or out of descriptors
            }
            grpc::AddInsecureChannelFromFd(&server, conn);
        }
    });
}

void Listener::stop() {
    if (stopped_) return;
    stopped_ = true;
    if (listen_fd_) ::shutdown(listen_fd_.get(), SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    if (endpoint_.protocol == Protocol::unix_socket) {
        std::error_code ec;
        fs::remove(endpoint_.path, ec);
        if (ec) spdlog::warn("cannot remove socket {}: {}", endpoint_.path, ec.message());
    }
}

Listener::~Listener() { stop(); }

}  // namespace cedana::transport
