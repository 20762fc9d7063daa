#include "transport/listener_security.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "util/error.hpp"

namespace cedana::transport {

namespace {

constexpr const char* kTokenHow =
    "set connection.auth_token (or CEDANA_AUTH_TOKEN; e.g. the output of `openssl rand -hex 32`) or "
    "connection.auth_token_file (a file only root can read)";

std::optional<TokenCheck> token_check(const config::Config::Connection& connection) {
    const std::string token = load_token(connection.auth_token, connection.auth_token_file, true);
    if (token.empty()) return std::nullopt;
    if (token.size() < kMinTokenLength) {
        fail(ErrorKind::invalid_argument, "the auth token is {} characters long; use at least {} (e.g. `openssl rand -hex 32`)",
             token.size(), kMinTokenLength);
    }
    return TokenCheck(token);
}

}  // namespace

bool is_loopback(const std::string& host) {
    if (host == "localhost") return true;
    in_addr v4{};
    if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (::inet_pton(AF_INET6, host.c_str(), &v6) != 1) return false;
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
}

ListenerSecurity plan_listener_security(const Endpoint& endpoint, const config::Config::Connection& connection) {
    ListenerSecurity plan;
    switch (endpoint.protocol) {
        case Protocol::unix_socket:
            return plan;
        case Protocol::vsock:
            plan.token = token_check(connection);
            if (!plan.token) fail(ErrorKind::invalid_argument, "a vsock daemon authenticates every call with a token: {}", kTokenHow);
            return plan;
        case Protocol::tcp:
            break;
    }
    plan.tls_files = {.cert = connection.tls_cert, .key = connection.tls_key, .client_ca = connection.tls_client_ca};
    plan.tls = !connection.tls_cert.empty() || !connection.tls_key.empty();
    if (plan.tls && (connection.tls_cert.empty() || connection.tls_key.empty())) {
        fail(ErrorKind::invalid_argument, "TLS needs both connection.tls_cert and connection.tls_key (the daemon's certificate and key, PEM)");
    }
    plan.client_certificates = !connection.tls_client_ca.empty();
    if (plan.client_certificates && !plan.tls) {
        fail(ErrorKind::invalid_argument,
             "connection.tls_client_ca asks for client certificates, which need TLS: set connection.tls_cert and connection.tls_key too");
    }
    if (!plan.tls && !is_loopback(endpoint.host)) {
        fail(ErrorKind::invalid_argument,
             "refusing to listen on {} without TLS: any machine that reaches it could read the token and the checkpoints. Set "
             "connection.tls_cert and connection.tls_key (CEDANA_CONNECTION_TLS_CERT, CEDANA_CONNECTION_TLS_KEY: the daemon's "
             "certificate and key, PEM), or listen on a loopback address such as 127.0.0.1",
             endpoint.display());
    }
    plan.token = token_check(connection);
    if (!plan.token && !plan.client_certificates) {
        fail(ErrorKind::invalid_argument,
             "a tcp daemon authenticates every call: {}, or connection.tls_client_ca for client certificates (with TLS)", kTokenHow);
    }
    return plan;
}

}  // namespace cedana::transport
