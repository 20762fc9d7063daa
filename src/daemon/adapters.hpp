#pragma once
// Adapters shared by the daemon's request chains. Each is a function with the chain's
// adapter signature, generic over the request and response types it passes along.

#include <spdlog/spdlog.h>

#include "config/config.hpp"
#include "daemon/request_context.hpp"
#include "engine/criu_binary.hpp"

namespace cedana::daemon::adapters {

// Applies the configuration the client sent for this one request.
template <typename Req, typename Resp, typename Next>
void request_config(RequestContext& ctx, Req& req, Resp& resp, const Next& next) {
    auto loaded = config::with_override(ctx.base_config, ctx.config_override);
    for (const auto& warning : loaded.warnings) spdlog::warn("{}", warning);
    ctx.config = std::move(loaded.config);
    next(ctx, req, resp);
}

// Decides which CRIU binary the rest of the request uses.
template <typename Req, typename Resp, typename Next>
void resolve_criu(RequestContext& ctx, Req& req, Resp& resp, const Next& next) {
    ctx.criu_binary = engine::find_criu(ctx.config.criu.binary_path);
    next(ctx, req, resp);
}

}  // namespace cedana::daemon::adapters
