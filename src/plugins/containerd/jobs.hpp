#pragma once
// `run containerd IMAGE [COMMAND...]` and `manage containerd ID` as jobs of the daemon.
//
// run: a container of an image already in containerd's store (cedana pulls nothing), with
// its writable layer a new snapshot on the image's, created and started through containerd's
// API, so that containerd and ctr know it as their own. Its output goes to the job's log (or
// --out) through the shim itself (file:// I/O), not through the daemon: the container
// outlives a daemon restart and keeps logging. The job's process is the task's init, a child
// of containerd's shim.

#include "daemon/kinds.hpp"

namespace cedana::plugins::containerd {

daemon::RunKind run_kind();
daemon::ManageKind manage_kind();

}  // namespace cedana::plugins::containerd
