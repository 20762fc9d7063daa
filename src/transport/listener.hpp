#pragma once
// The daemon's side: makes a gRPC server listen on an endpoint.

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "transport/endpoint.hpp"
#include "transport/listener_security.hpp"
#include "util/unique_fd.hpp"

namespace cedana::transport {

// Holds what listening needs beyond gRPC's own ports. UNIX and VSOCK sockets are accepted
// here and each connection is handed to the server as a descriptor: gRPC 1.51 cannot bind
// VSOCK, and only a descriptor of ours lets the daemon read a UNIX caller's credentials
// (transport/peer_credentials.hpp). The UNIX socket file is made 0660 for root and
// `socket_group` (root's own group when unset) and removed on destruction. TCP stays gRPC's
// own port, with TLS when `security` says so.
class Listener {
public:
    // Call before builder.BuildAndStart(). Throws cedana::Error when the address is taken.
    Listener(const Endpoint& endpoint, const ListenerSecurity& security, std::optional<gid_t> socket_group,
             grpc::ServerBuilder& builder);
    // Call once the server runs.
    void start(grpc::Server& server);
    // Stops accepting and removes the UNIX socket file.
    void stop();
    ~Listener();

    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

private:
    Endpoint endpoint_;
    std::optional<gid_t> socket_group_;
    util::UniqueFd listen_fd_;  // UNIX or VSOCK
    std::thread acceptor_;
    std::atomic<bool> stopped_ = false;
};

}  // namespace cedana::transport
