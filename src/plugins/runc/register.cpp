// The runc plugin: OCI containers run by runc (Debian's 1.1.5 and later), checkpointed and
// restored through CRIU with what runc itself would tell CRIU, run and managed as jobs,
// frozen through their cgroup freezer, and known to runc after a restore.

#include <optional>
#include <string>

#include <fmt/format.h>

#include "daemon/kinds.hpp"
#include "health/plugin_checks.hpp"
#include "plugins/runc/checks.hpp"
#include "plugins/runc/cli.hpp"
#include "plugins/runc/dump.hpp"
#include "plugins/runc/freeze.hpp"
#include "plugins/runc/jobs.hpp"
#include "plugins/runc/restore.hpp"
#include "plugins/runc/runtime.hpp"
#include "registry/registry.hpp"

namespace cedana::plugins::runc {

namespace {

std::optional<std::string> find_runc_version() {
    const std::string binary = find_runc();
    if (binary.empty()) return std::nullopt;
    const auto version = runc_version(binary);
    if (!version) return std::nullopt;
    return fmt::format("runc {} at {}", *version, binary);
}

}  // namespace

CEDANA_PLUGIN(runc) {
    registry::add({.name = "runc", .requirements = {{.name = "runc", .find = find_runc_version}}, .provision = {}});
    daemon::add_dump_kind("runc", dump_kind());
    daemon::add_restore_kind("runc", restore_kind());
    daemon::add_run_kind("runc", run_kind());
    daemon::add_manage_kind("runc", manage_kind());
    daemon::add_freeze_kind("runc", freeze_kind());
    daemon::add_unfreeze_kind("runc", unfreeze_kind());
    daemon::add_query_kind("runc", query_kind());
    daemon::add_job_state("runc", job_state);
    health::add_plugin_checks("runc", runc_checks);
    add_commands();
}

}  // namespace cedana::plugins::runc
