#include "daemon/health_route.hpp"

#include "api/health_convert.hpp"
#include "daemon/adapters.hpp"
#include "health/checks.hpp"
#include "pipeline/chain.hpp"

namespace cedana::daemon {

namespace v1 = cedana::daemon::v1;

namespace {

using HealthChain = pipeline::Chain<RequestContext, v1::HealthCheckReq, v1::HealthCheckResp>;

// With --full, each installed plugin adds its own section; until plugins exist the section
// says that none is installed, so that --full visibly looked.
void plugin_checks(RequestContext& ctx, v1::HealthCheckReq& req, v1::HealthCheckResp& resp, const HealthChain::Next& next) {
    next(ctx, req, resp);
    if (!req.full()) return;
    auto* section = resp.add_sections();
    section->set_name("Plugins");
    auto* row = section->add_results();
    row->set_name("Installed");
    row->set_value("none");
    row->set_severity(v1::SEVERITY_OK);
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
