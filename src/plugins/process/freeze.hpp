#pragma once
// The process plugin's freeze, unfreeze and query. A process tree has no freezer of its own
// (a container has its cgroup's), and moving it into one would change its cgroups under it,
// so freezing stops each of its processes with SIGSTOP, as a shell's job control would, and
// unfreezing continues them with SIGCONT. Its parent may notice (SIGCHLD), and `ps` shows the
// job `stopped`. A tree frozen already cannot be frozen again, nor one not frozen unfrozen.

#include "daemon/kinds.hpp"

namespace cedana::plugins::process {

daemon::FreezeKind freeze_kind();
daemon::FreezeKind unfreeze_kind();
daemon::QueryKind query_kind();

}  // namespace cedana::plugins::process
