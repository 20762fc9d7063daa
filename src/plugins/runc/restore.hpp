#pragma once
// The runc plugin's restore: the checkpoint's container comes back on a bundle (its rootfs
// bound for CRIU, its binds and shared namespaces from its config.json, its cgroups those of
// its id), with its stdio re-connected as a process's is (plugins/process/restore_stdio.hpp),
// and runc's state written for it (restored_state.hpp). Nothing is left of a failed one.

#include "daemon/kinds.hpp"

namespace cedana::plugins::runc {

daemon::RestoreKind restore_kind();

}  // namespace cedana::plugins::runc
