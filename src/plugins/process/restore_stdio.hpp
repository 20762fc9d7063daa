#pragma once
// What a restored tree's stdin, stdout and stderr become: the dumped ones led to the
// caller's pipes, terminal and files, which are gone, belong to someone else or have changed
// since. Each gets a replacement handed to CRIU as an inherited fd (--out, the CLI's own
// stdio with --no-server, the same log file reopened, else /dev/null), or the daemon's pipes
// for --attach/--attachable, or a terminal for a shell job that had one. Other kinds whose
// root process has a process's stdio (containers started by runc) take this step as is.

#include "daemon/restore_context.hpp"

namespace cedana::plugins::process {

// The "stdio" step; a failed restore leaves no --out file behind that it created.
void restore_stdio(daemon::RestoreCtx& ctx, cedana::daemon::v1::RestoreReq& req, cedana::daemon::v1::RestoreResp& resp,
                   const daemon::RestoreChain::Next& next);

}  // namespace cedana::plugins::process
