#pragma once
// What a daemon's listener demands of its callers, decided once where the daemon starts
// from its endpoint and connection settings:
//
//   unix   the kernel names the caller (SO_PEERCRED); the socket's mode and group decide
//          who may connect. No token, no TLS.
//   tcp    every call carries the token, or comes over mutual TLS with a client certificate
//          signed by connection.tls_client_ca (both, when both are set). TLS is required on
//          any address but loopback, where the token may travel in the clear.
//   vsock  every call carries the token (gRPC has no TLS over a descriptor of ours).
//
// A daemon whose settings fall short of this does not start; the error says what to set.

#include <optional>
#include <string>

#include "config/config.hpp"
#include "transport/auth_token.hpp"
#include "transport/endpoint.hpp"
#include "transport/tls_credentials.hpp"

namespace cedana::transport {

struct ListenerSecurity {
    bool tls = false;
    bool client_certificates = false;  // mutual TLS
    ServerTlsFiles tls_files;
    std::optional<TokenCheck> token;  // every call must carry it
};

// Throws cedana::Error(invalid_argument) saying what to configure.
ListenerSecurity plan_listener_security(const Endpoint& endpoint, const config::Config::Connection& connection);

// 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104 and "localhost": addresses no other machine reaches.
bool is_loopback(const std::string& host);

}  // namespace cedana::transport
