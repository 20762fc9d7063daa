#pragma once
// The daemon's side: makes a gRPC server listen on an endpoint.

#include <memory>
#include <thread>

#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "transport/endpoint.hpp"
#include "util/unique_fd.hpp"

namespace cedana::transport {

// Holds what listening needs beyond gRPC's own ports: for UNIX, the socket file (made
// group-only and removed on destruction); for VSOCK, which gRPC 1.51 cannot bind, an accept
// loop that hands each connection to the server.
class Listener {
public:
    // Call before builder.BuildAndStart(). Throws cedana::Error when the address is taken.
    Listener(const Endpoint& endpoint, grpc::ServerBuilder& builder);
    // Call once the server runs.
    void start(grpc::Server& server);
    // Stops accepting (VSOCK) and removes the UNIX socket file.
    void stop();
    ~Listener();

    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

private:
    Endpoint endpoint_;
    util::UniqueFd vsock_fd_;
    std::thread acceptor_;
    bool stopped_ = false;
};

}  // namespace cedana::transport
