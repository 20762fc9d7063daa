#pragma once
// The flags every command takes, and what the commands derive from them.

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/client.hpp"
#include "config/config.hpp"

namespace cedana::cli {

struct Globals {
    std::string address;
    std::string protocol;
    std::string config_json;
    std::string config_dir;
    bool profiling = false;
    bool tls = false;
    std::string tls_ca;
    std::string tls_cert;
    std::string tls_key;

    CLI::Option* address_opt = nullptr;
    CLI::Option* protocol_opt = nullptr;

    // The configuration for this call: file, environment, --config, then --address,
    // --protocol and the TLS flags when given.
    [[nodiscard]] config::Loaded load_config() const;
    // A client for the daemon this call's configuration names, forwarding --config.
    [[nodiscard]] Client client() const;

    // Whether to ask for timings: --profiling or Profiling.Enabled.
    [[nodiscard]] bool want_profile(const config::Config& config) const { return profiling || config.profiling.enabled; }

    // Holds a command's option values for as long as the command tree: CLI11 writes into
    // them while parsing, whether or not the command's callback holds them too.
    template <typename T>
    std::shared_ptr<T> keep(std::shared_ptr<T> values) {
        kept_.push_back(values);
        return values;
    }

private:
    std::vector<std::shared_ptr<void>> kept_;
};

void add_global_flags(CLI::App& root, Globals& globals);

}  // namespace cedana::cli
