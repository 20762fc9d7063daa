#include "daemon/health_route.hpp"

#include "api/health_convert.hpp"
#include "daemon/adapters.hpp"
#include "health/checks.hpp"
#include "health/plugin_checks.hpp"
#include "pipeline/chain.hpp"

namespace cedana::daemon {

namespace {

using HealthChain = pipeline::Chain<RequestContext, v1::HealthCheckReq, v1::HealthCheckResp>;

// With --full, after the built-in sections: where each plugin stands, then the sections of
// the enabled plugins that have checks of their own.
void plugin_checks(RequestContext& ctx, v1::HealthCheckReq& req, v1::HealthCheckResp& resp, const HealthChain::Next& next) {
    next(ctx, req, resp);
    if (!req.full()) return;
    health::Report report{{health::plugins_section(ctx.config)}};
    for (auto& section : health::plugin_sections(ctx.config, {.criu_binary = ctx.criu_binary, .full = true})) {
        report.sections.push_back(std::move(section));
    }
    api::to_proto(report, resp);
}

void builtin_checks(RequestContext& ctx, v1::HealthCheckReq& req, v1::HealthCheckResp& resp) {
    const health::Report report = health::run_checks({.criu_binary = ctx.criu_binary, .full = req.full()});
    api::to_proto(report, resp);
}

const HealthChain& chain() {
    static const HealthChain c = [] {
        HealthChain built;
        built.use("request-config", "daemon", adapters::request_config)
            .use("resolve-criu", "criu", adapters::resolve_criu)
            .use("plugin-checks", "plugins", plugin_checks)
            .handle("health-checks", "health", builtin_checks);
        return built;
    }();
    return c;
}

}  // namespace

void run_health_check(RequestContext& ctx, v1::HealthCheckReq& req, v1::HealthCheckResp& resp, pipeline::Profile* profile) {
    chain().run(ctx, req, resp, profile);
}

}  // namespace cedana::daemon
