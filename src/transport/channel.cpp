#include "transport/channel.hpp"

#include <sys/socket.h>
#include <linux/vm_sockets.h>

#include <fmt/format.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/create_channel_posix.h>
#include <grpcpp/security/credentials.h>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::transport {

std::string unreachable_message(const Endpoint& endpoint) {
    return fmt::format("cannot connect to the daemon at {}: is it running? (cedana daemon start)", endpoint.display());
}

std::shared_ptr<grpc::Channel> connect(const Endpoint& endpoint) {
    if (endpoint.protocol != Protocol::vsock) {
        return grpc::CreateChannel(endpoint.grpc_uri(), grpc::InsecureChannelCredentials());
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
    // gRPC takes ownership of the connected socket.
    return grpc::CreateInsecureChannelFromFd(endpoint.display(), fd.release());
}

}  // namespace cedana::transport
