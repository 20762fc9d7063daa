#pragma once
// Adapters shared by the daemon's request chains, generic over the context, request and
// response types they pass along, so any chain can use them as they are.

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "engine/criu_binary.hpp"
#include "registry/registry.hpp"

namespace cedana::daemon::adapters {

// Applies the configuration the client sent for this one request.
inline constexpr auto request_config = [](auto& ctx, auto& req, auto& resp, const auto& next) {
    auto loaded = config::with_request_override(ctx.base_config, ctx.config_override);
    for (const auto& warning : loaded.warnings) spdlog::warn("{}", warning);
    ctx.config = std::move(loaded.config);
    next(ctx, req, resp);
};

// Decides which CRIU binary the rest of the request uses.
inline constexpr auto resolve_criu = [](auto& ctx, auto& req, auto& resp, const auto& next) {
    ctx.criu_binary = engine::find_criu(ctx.config.criu.binary_path);
    next(ctx, req, resp);
};

// Refuses a request whose plugin the configuration has disabled (`plugin remove`).
inline auto require_plugin(std::string plugin) {
    return [plugin = std::move(plugin)](auto& ctx, auto& req, auto& resp, const auto& next) {
        registry::require_enabled(ctx.config, plugin);
        next(ctx, req, resp);
    };
}

}  // namespace cedana::daemon::adapters
