#pragma once
// The flags every command takes, and what the commands derive from them.

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "config/config.hpp"

namespace cedana::cli {

struct Globals {
    std::string address;
    std::string protocol;
    std::string config_json;
    std::string config_dir;
    bool profiling = false;

    CLI::Option* address_opt = nullptr;
    CLI::Option* protocol_opt = nullptr;

    // The configuration for this call: file, environment, --config, then --address and
    // --protocol when given.
    [[nodiscard]] config::Loaded load_config() const;
    // Whether to ask for timings: --profiling or Profiling.Enabled.
    [[nodiscard]] bool want_profile(const config::Config& config) const { return profiling || config.profiling.enabled; }
};

void add_global_flags(CLI::App& root, Globals& globals);

}  // namespace cedana::cli
