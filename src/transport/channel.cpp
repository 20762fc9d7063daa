#include "transport/channel.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include "transport/unix_address.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::transport {

std::string unreachable_message(const Endpoint& endpoint) {
    return fmt::format("cannot connect to the daemon at {}: is it running? (cedana daemon start)", endpoint.display());
}

namespace {

// UNIX and VSOCK connections are made here and handed to gRPC (non-blocking, as its
// endpoints expect): a channel from a descriptor
// skips gRPC's resolver, load balancing and connection back-off, which cost a short-lived
// CLI more than the call itself, and a refused connection is known at once. The minimal
// stack leaves out the client filters (deadlines, retries, message size) the CLI does not use.
std::shared_ptr<grpc::Channel> channel_from(util::UniqueFd fd, const Endpoint& endpoint) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_MINIMAL_STACK, 1);
    return grpc::CreateCustomInsecureChannelFromFd(endpoint.display(), fd.release(), args);
}

std::shared_ptr<grpc::Channel> connect_unix(const Endpoint& endpoint) {
    util::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) fail(ErrorKind::unavailable, "{}: {}", unreachable_message(endpoint), std::strerror(errno));
    const sockaddr_un addr = unix_address(endpoint.path);
    // A UNIX connect completes or fails at once; EAGAIN means a full backlog: a daemon is there.
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 && errno != EAGAIN) {
        if (errno == EACCES) {
            fail(ErrorKind::unavailable, "cannot connect to the daemon at {}: permission denied (the socket is for root and its group)",
                 endpoint.display());
        }
        fail(ErrorKind::unavailable, "{}", unreachable_message(endpoint));
    }
    return channel_from(std::move(fd), endpoint);
}

}  // namespace

std::string unavailable_message(const Endpoint& endpoint, const ChannelSecurity& security, const std::string& grpc_message) {
    const auto says = [&](const char* what) { return grpc_message.find(what) != std::string::npos; };
    if (endpoint.protocol != Protocol::tcp) return unreachable_message(endpoint);
    if (security.tls) {
        if (says("CERTIFICATE_VERIFY_FAILED") || says("certificate verify failed") || says("Peer name") || says("peer name")) {
            return fmt::format("cannot connect to the daemon at {}: its TLS certificate is not trusted ({}); pass the CA that signed it "
                               "with --tls-ca FILE, and connect by a name or address the certificate holds",
                               endpoint.display(), grpc_message);
        }
        if (says("WRONG_VERSION_NUMBER") || says("wrong version number") || says("packet length too long") || says("HTTP_REQUEST")) {
            return fmt::format("cannot connect to the daemon at {}: it does not speak TLS; drop --tls, or give the daemon "
                               "connection.tls_cert and connection.tls_key",
                               endpoint.display());
        }
        if (says("alert") || says("certificate required") || says("handshake")) {
            return fmt::format("cannot connect to the daemon at {}: the TLS handshake failed ({}); if the daemon asks for client "
                               "certificates, pass --tls-cert and --tls-key with one its CA signed",
                               endpoint.display(), grpc_message);
        }
        // TLS 1.3 finishes the client's side of the handshake before the daemon checks the
        // client's certificate, so a refused (or missing) one shows as a closed socket.
        if (says("Socket closed") || says("Connection reset")) {
            return fmt::format("cannot connect to the daemon at {}: it closed the TLS connection; it requires a client certificate "
                               "its CA signed (pass --tls-cert and --tls-key), or it stopped",
                               endpoint.display());
        }
        return fmt::format("{} ({})", unreachable_message(endpoint), grpc_message);
    }
    if (says("Socket closed") || says("Connection reset") || says("connection reset") || says("Broken pipe") || says("EOF")) {
        // What a TLS daemon does with a plain client; also what a daemon that stopped mid-call does.
        return fmt::format("cannot connect to the daemon at {}: it closed the connection; it requires TLS (connect with --tls "
                           "--tls-ca FILE), or it stopped",
                           endpoint.display());
    }
    return unreachable_message(endpoint);
}

std::shared_ptr<grpc::Channel> connect(const Endpoint& endpoint, const ChannelSecurity& security) {
    if (endpoint.protocol == Protocol::unix_socket) return connect_unix(endpoint);
    if (endpoint.protocol == Protocol::tcp) {
        return grpc::CreateChannel(endpoint.grpc_uri(), security.tls ? client_tls_credentials(security.tls_files)
                                                                     : grpc::InsecureChannelCredentials());
    }
    util::UniqueFd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) fail(ErrorKind::unavailable, "{}: vsock is not available: {}", unreachable_message(endpoint), std::strerror(errno));
    sockaddr_vm addr{};
    addr.svm_family = AF_VSOCK;
    addr.svm_cid = endpoint.cid;
    addr.svm_port = endpoint.port;
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        fail(ErrorKind::unavailable, "{}", unreachable_message(endpoint));
    }
    if (::fcntl(fd.get(), F_SETFL, O_NONBLOCK) != 0) fail(ErrorKind::internal, "vsock: {}", std::strerror(errno));
    return channel_from(std::move(fd), endpoint);
}

}  // namespace cedana::transport
