#include "cli/globals.hpp"

#include <spdlog/spdlog.h>

namespace cedana::cli {

void add_global_flags(CLI::App& root, Globals& g) {
    const std::string group = "Global flags";
    g.address_opt = root.add_option("--address", g.address, "daemon address: a path for unix, host:port for tcp, cid:port for vsock")
                        ->group(group);
    g.protocol_opt = root.add_option("--protocol", g.protocol, "daemon protocol: unix (default), tcp, vsock")->group(group);
    root.add_option("--config", g.config_json, "a JSON document merged over the configuration for this call only")->group(group);
    root.add_option("--config-dir", g.config_dir, "directory holding config.json (default /etc/cedana, or $CEDANA_CONFIG_DIR)")
        ->group(group);
    root.add_flag("--profiling", g.profiling, "print per-step timings after the result")->group(group);
    root.add_flag("--tls", g.tls, "connect to a TCP daemon over TLS (connection.tls); the token comes from CEDANA_AUTH_TOKEN")->group(group);
    root.add_option("--tls-ca", g.tls_ca, "CA certificate (PEM) that signed the daemon's certificate; implies --tls")->group(group);
    root.add_option("--tls-cert", g.tls_cert, "client certificate (PEM) for a daemon that requires one (mutual TLS)")->group(group);
    root.add_option("--tls-key", g.tls_key, "the client certificate's private key (PEM)")->group(group);
}

Client Globals::client() const {
    const config::Loaded loaded = load_config();
    return Client(loaded.config, config_json, want_profile(loaded.config));
}

config::Loaded Globals::load_config() const {
    config::Loaded loaded = config::load({.config_dir = config_dir, .override_json = config_json, .env = config::process_env()});
    for (const auto& warning : loaded.warnings) spdlog::warn("{}", warning);
    nlohmann::json flags = nlohmann::json::object();
    if (address_opt != nullptr && address_opt->count() > 0) flags["address"] = address;
    if (protocol_opt != nullptr && protocol_opt->count() > 0) flags["protocol"] = protocol;
    if (tls) flags["connection"]["tls"] = true;
    if (!tls_ca.empty()) flags["connection"]["tls_ca"] = tls_ca;
    if (!tls_cert.empty()) flags["connection"]["tls_client_cert"] = tls_cert;
    if (!tls_key.empty()) flags["connection"]["tls_client_key"] = tls_key;
    if (flags.empty()) return loaded;
    config::Loaded with_flags = config::with_override(loaded.json, flags.dump());
    with_flags.file = loaded.file;
    return with_flags;
}

}  // namespace cedana::cli
