#pragma once
// The containerd plugin's restore: a task that containerd itself makes from the checkpoint
// (Tasks.Create with runc's criu_image_path, and criu_path, so that the shim's `runc restore`
// runs cedana's CRIU 4), so that containerd knows it afterwards: `ctr task ls` shows it
// running with the restored PID, and ctr can kill and remove it.
//
// Onto its container when that is still there without a task (as a dump leaves it: with its
// writable layer), else onto a container made anew from the record in the checkpoint with a
// new writable layer on the image's (--id NEW: always). Its output goes to --out, or to the
// job's log for `restore job`, through the shim.

#include "daemon/kinds.hpp"

namespace cedana::plugins::containerd {

daemon::RestoreKind restore_kind();

}  // namespace cedana::plugins::containerd
