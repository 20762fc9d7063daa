#pragma once
// The CLI's side of the connection to the daemon.

#include <memory>

#include <grpcpp/channel.h>

#include "transport/endpoint.hpp"
#include "transport/tls_credentials.hpp"

namespace cedana::transport {

// How the CLI talks to a TCP daemon: TLS or not (UNIX and VSOCK never use it).
struct ChannelSecurity {
    bool tls = false;
    ClientTlsFiles tls_files;
};

// For VSOCK the connection is made here and a failure is reported at once, as
// cedana::Error(unavailable); for UNIX and TCP gRPC connects on the first call.
std::shared_ptr<grpc::Channel> connect(const Endpoint& endpoint, const ChannelSecurity& security);

// The message every command gives when the daemon cannot be reached.
std::string unreachable_message(const Endpoint& endpoint);

// What to tell the user when a call found no daemon to talk to (gRPC's UNAVAILABLE, whose
// message `grpc_message` holds the transport's reason): nothing there, a certificate not
// trusted, TLS spoken to a plain port or the other way round.
std::string unavailable_message(const Endpoint& endpoint, const ChannelSecurity& security, const std::string& grpc_message);

}  // namespace cedana::transport
