#pragma once
// The store's HTTP/1.1 server: a thread per connection, requests in turn on each
// (keep-alive), bodies streamed both ways. A connection idle for idle_timeout_s (a client that
// stops sending or reading) is cut, and at most max_connections are served at once (more are
// answered 503), so that slow or greedy clients cannot take the store down. With a
// certificate, it speaks HTTPS only.

#include <cstdint>
#include <functional>
#include <string>

#include "plugins/store/http_exchange.hpp"

namespace cedana::plugins::store {

struct ServerOptions {
    std::string host;
    std::uint16_t port = 0;
    int idle_timeout_s = 60;
    std::size_t max_connections = 128;
    // PEM files: set, every connection is TLS (1.2 or later) with this certificate.
    std::string tls_cert = {};
    std::string tls_key = {};
};

using Handler = std::function<void(HttpExchange&)>;

// Binds, calls `listening` with the port bound (the one asked for, or the kernel's choice for
// 0), and serves until SIGINT or SIGTERM; returns once every connection is closed. Throws
// cedana::Error when the address cannot be bound or the certificate and key not loaded. A handler that throws gets its client a 500
// (when nothing was sent yet) and its connection closed.
void serve_http(const ServerOptions& options, const Handler& handler, const std::function<void(std::uint16_t port)>& listening);

}  // namespace cedana::plugins::store
