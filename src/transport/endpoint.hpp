#pragma once
// Where the daemon listens and the CLI connects: a UNIX socket path, a TCP host:port, or a
// VSOCK cid:port (for a daemon inside a VM).

#include <cstdint>
#include <string>

namespace cedana::transport {

enum class Protocol { unix_socket, tcp, vsock };

struct Endpoint {
    Protocol protocol = Protocol::unix_socket;
    std::string path;  // unix: absolute socket path
    std::string host;  // tcp
    std::uint32_t cid = 0;
    std::uint16_t port = 0;

    // As the user wrote it, for messages: "/run/cedana.sock", "127.0.0.1:8080", "3:9999".
    [[nodiscard]] std::string display() const;
    // gRPC's target/listening URI for unix and tcp.
    [[nodiscard]] std::string grpc_uri() const;
};

// Throws cedana::Error(invalid_argument) saying what is wrong with the address.
Endpoint parse_endpoint(const std::string& address, const std::string& protocol);

}  // namespace cedana::transport
