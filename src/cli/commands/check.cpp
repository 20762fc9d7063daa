#include <iostream>

#include "api/health_convert.hpp"
#include "api/profile_convert.hpp"
#include "cli/client.hpp"
#include "cli/commands/commands.hpp"
#include "cli/profile_table.hpp"
#include "daemon/health_route.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace v1 = cedana::daemon::v1;

namespace {

// Prints the report and fails the command when any check failed.
void report(const v1::HealthCheckResp& resp, const std::optional<v1::Profile>& profile) {
    const health::Report report = api::from_proto(resp);
    std::cout << health::format_report(report);
    if (profile) std::cout << format_profile(*profile);
    std::cout.flush();
    if (report.errors() > 0) fail(ErrorKind::failed_precondition, "{} health check(s) failed", report.errors());
}

}  // namespace

void add_check_command(CLI::App& root, Globals& globals) {
    auto full = globals.keep(std::make_shared<bool>(false));
    auto* cmd = root.add_subcommand("check", "Check that this machine can checkpoint and restore (no daemon needed)");
    cmd->add_flag("--full", *full, "also run the installed plugins' checks and CRIU's optional feature checks");
    cmd->callback([&globals, full] {
        const config::Loaded loaded = globals.load_config();
        daemon::RequestContext ctx;
        ctx.base_config = loaded.json;
        v1::HealthCheckReq req;
        req.set_full(*full);
        v1::HealthCheckResp resp;
        std::optional<v1::Profile> profile;
        pipeline::Profile steps;
        const bool profiling = globals.want_profile(loaded.config);
        daemon::run_health_check(ctx, req, resp, profiling ? &steps : nullptr);
        if (profiling) profile = api::to_proto(steps);
        report(resp, profile);
    });
}

void run_daemon_check(Globals& globals, bool full) {
    const config::Loaded loaded = globals.load_config();
    Client client(loaded.config, globals.config_json, globals.want_profile(loaded.config));
    v1::HealthCheckReq req;
    req.set_full(full);
    const auto resp = client.health_check(req);
    report(resp, client.profile());
}

}  // namespace cedana::cli
