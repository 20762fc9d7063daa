// The containerd plugin: containers that containerd runs (through its runc shim), reached
// over containerd's own gRPC API in the namespace a request names: it runs containers of
// images in containerd's store and adopts running ones as jobs, describes them (query),
// freezes and unfreezes them through containerd, and checks containerd's health.

#include <optional>
#include <string>

#include <fmt/format.h>

#include "config/config.hpp"
#include "daemon/kinds.hpp"
#include "health/plugin_checks.hpp"
#include "plugins/containerd/checks.hpp"
#include "plugins/containerd/cli.hpp"
#include "plugins/containerd/containers.hpp"
#include "plugins/containerd/dump.hpp"
#include "plugins/containerd/restore.hpp"
#include "plugins/containerd/jobs.hpp"
#include "plugins/containerd/settings.hpp"
#include "registry/registry.hpp"
#include "util/subprocess.hpp"

namespace cedana::plugins::containerd {

namespace {

std::optional<std::string> find_containerd() {
    const std::string binary = util::find_program("containerd");
    if (binary.empty()) return std::nullopt;
    return fmt::format("containerd at {}", binary);
}

}  // namespace

CEDANA_PLUGIN(containerd) {
    add_config_fields();
    registry::add({.name = "containerd", .requirements = {{.name = "containerd", .find = find_containerd}}, .provision = {}});
    daemon::add_dump_kind("containerd", dump_kind());
    daemon::add_restore_kind("containerd", restore_kind());
    daemon::add_run_kind("containerd", run_kind());
    daemon::add_manage_kind("containerd", manage_kind());
    daemon::add_freeze_kind("containerd", freeze_kind());
    daemon::add_unfreeze_kind("containerd", unfreeze_kind());
    daemon::add_query_kind("containerd", query_kind());
    health::add_plugin_checks("containerd", containerd_checks);
    add_commands();
}

}  // namespace cedana::plugins::containerd
