// The process plugin: bare process trees, checkpointed and restored by PID, run and
// managed as jobs. Other kinds of workload reuse its steps (restore_stdio.hpp).

#include "daemon/kinds.hpp"
#include "plugins/process/cli.hpp"
#include "plugins/process/dump.hpp"
#include "plugins/process/freeze.hpp"
#include "plugins/process/jobs.hpp"
#include "plugins/process/restore.hpp"
#include "registry/registry.hpp"

namespace cedana::plugins::process {

CEDANA_PLUGIN(process) {
    registry::add({.name = "process", .requirements = {}, .provision = {}});
    daemon::add_dump_kind("process", dump_kind());
    daemon::add_restore_kind("process", restore_kind());
    daemon::add_run_kind("process", run_kind());
    daemon::add_manage_kind("process", manage_kind());
    daemon::add_freeze_kind("process", freeze_kind());
    daemon::add_unfreeze_kind("process", unfreeze_kind());
    daemon::add_query_kind("process", query_kind());
    add_commands();
}

}  // namespace cedana::plugins::process
