#pragma once
// The CLI's side of the connection to the daemon.

#include <memory>

#include <grpcpp/channel.h>

#include "transport/endpoint.hpp"

namespace cedana::transport {

// For VSOCK the connection is made here and a failure is reported at once, as
// cedana::Error(unavailable); for UNIX and TCP gRPC connects on the first call.
std::shared_ptr<grpc::Channel> connect(const Endpoint& endpoint);

// The message every command gives when the daemon cannot be reached.
std::string unreachable_message(const Endpoint& endpoint);

}  // namespace cedana::transport
