#pragma once
// The containerd plugin's dump: the container found through containerd's API, then the runc
// plugin's dump of it on containerd's runc root (/run/containerd/runc/<namespace>), as
// containerd itself runs containers through runc; the container's record and what runc
// restore needs go into the checkpoint. Unless --leave-running, the task is deleted
// afterwards, the container kept with its writable layer for a restore onto it.

#include "daemon/kinds.hpp"

namespace cedana::plugins::containerd {

daemon::DumpKind dump_kind();

}  // namespace cedana::plugins::containerd
