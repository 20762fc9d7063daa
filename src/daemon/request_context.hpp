#pragma once
// What every adapter of a request can see besides the request and the response.

#include <string>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace cedana::daemon {

struct RequestContext {
    // The daemon's configuration (Loaded::json), before the request's own overrides.
    nlohmann::json base_config;
    // The --config document the client sent for this request, if any.
    std::string config_override;
    // Filled in by the request-config adapter: base_config with config_override merged.
    config::Config config;
    // Filled in by the resolve-criu adapter.
    std::string criu_binary;
};

}  // namespace cedana::daemon
