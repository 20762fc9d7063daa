#include "plugins/store/serve_command.hpp"

#include <charconv>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "plugins/store/http_server.hpp"
#include "plugins/store/store_service.hpp"
#include "transport/auth_token.hpp"
#include "util/error.hpp"

namespace cedana::plugins::store {

namespace {

struct ServeOptions {
    std::string address;
    std::string dir;
    std::string token_file;
    std::string public_url;
    int url_ttl_s = 3600;
    int idle_timeout_s = 60;
    std::string tls_cert;
    std::string tls_key;
};

// "HOST:PORT" or "[V6]:PORT".
std::pair<std::string, std::uint16_t> split_address(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) fail(ErrorKind::invalid_argument, "--address {}: write HOST:PORT (127.0.0.1:8080)", address);
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string_view port_text = std::string_view(address).substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        fail(ErrorKind::invalid_argument, "--address {}: {} is not a port number", address, port_text);
    }
    return {host, static_cast<std::uint16_t>(port)};
}

void serve(const ServeOptions& o) {
    // Not a structured binding: the lambda below captures the host, which clang 14 (the
    // instrumented build) cannot do with a binding.
    const auto address = split_address(o.address);
    const std::string& host = address.first;
    const auto port = address.second;
    const std::string token = transport::load_token("", o.token_file, true);
    if (token.size() < transport::kMinTokenLength) {
        fail(ErrorKind::invalid_argument, "--token-file {}: the token has {} characters, at least {} are needed (openssl rand -hex 32)", o.token_file,
             token.size(), transport::kMinTokenLength);
    }
    if (o.tls_cert.empty() != o.tls_key.empty()) {
        fail(ErrorKind::invalid_argument, "--tls-cert and --tls-key go together: give both (a PEM certificate and its key) for HTTPS, or neither");
    }
    const std::string scheme = o.tls_cert.empty() ? "http" : "https";
    if (o.public_url.empty() && (host == "0.0.0.0" || host == "::")) {
        fail(ErrorKind::invalid_argument, "--address {} listens everywhere, so the store cannot tell which address its clients reach it at: give --public-url {}://HOST:PORT",
             o.address, scheme);
    }
    const ServerOptions server{
        .host = host, .port = port, .idle_timeout_s = o.idle_timeout_s, .max_connections = 128, .tls_cert = o.tls_cert, .tls_key = o.tls_key};
    std::unique_ptr<StoreService> service;
    serve_http(
        server, [&](HttpExchange& exchange) { service->handle(exchange); },
        [&](std::uint16_t bound) {
            const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
            std::string url = o.public_url.empty() ? fmt::format("{}://{}:{}", scheme, shown_host, bound) : o.public_url;
            while (url.ends_with('/')) url.pop_back();
            service = std::make_unique<StoreService>(o.dir, token, ServiceOptions{.public_url = url, .url_ttl_s = o.url_ttl_s});
            // Scripts wait for this line (with port 0, it says which port was taken).
            std::cout << "cedana store serving " << o.dir << " at " << url << std::endl;
        });
}

}  // namespace

void add_store_commands(CLI::App& root, cli::Globals& globals) {
    auto o = globals.keep(std::make_shared<ServeOptions>());
    auto* group = root.add_subcommand("store", "A self-hosted cedana:// checkpoint store")->require_subcommand(1);
    auto* serve_cmd = group->add_subcommand("serve", "Serve checkpoints kept under --dir to clients holding the token, until SIGINT or SIGTERM");
    serve_cmd->add_option("--address", o->address, "HOST:PORT to listen on (port 0: any free port, printed)")->required();
    serve_cmd->add_option("--dir", o->dir, "where the checkpoints are kept (made 0700 when missing)")->required();
    serve_cmd->add_option("--token-file", o->token_file, "a file (mode 600) whose first line is the token clients must send")->required();
    serve_cmd->add_option("--public-url", o->public_url, "what the URLs handed out begin with (default http://ADDRESS, https:// with TLS)");
    serve_cmd->add_option("--tls-cert", o->tls_cert, "serve HTTPS only, with this PEM certificate (chain); needs --tls-key");
    serve_cmd->add_option("--tls-key", o->tls_key, "the PEM private key of --tls-cert");
    serve_cmd->add_option("--url-ttl", o->url_ttl_s, "seconds an upload or download URL stays valid (default 3600)")->check(CLI::PositiveNumber);
    serve_cmd->add_option("--idle-timeout", o->idle_timeout_s, "seconds a connection may stay silent before it is cut (default 60)")
        ->check(CLI::PositiveNumber);
    serve_cmd->callback([o] { serve(*o); });
}

}  // namespace cedana::plugins::store
