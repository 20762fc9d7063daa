#pragma once
// Dumps: the core's steps (validate, stage the checkpoint, pack and metadata on the way
// back) around the workload type's own (daemon/kinds.hpp): see there for the order.

#include <functional>

#include "cedana/daemon/v1/daemon.pb.h"
#include "criu/rpc.pb.h"
#include "daemon/dump_context.hpp"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

void run_dump(RequestContext& ctx, cedana::daemon::v1::DumpReq& req, cedana::daemon::v1::DumpResp& resp, pipeline::Profile* profile);

// For a plugin's dump handler: CRIU dumps the tree of `pid` into the staging directory and
// leaves it stopped (settled on the way back). `target_defaults` sets what the target needs
// (a shell job, external mounts, ...) under the user's flags and --criu-opts, which win.
void dump_with_criu(DumpCtx& ctx, const cedana::daemon::v1::DumpReq& req, int pid,
                    const std::function<void(criu_opts&)>& target_defaults);

}  // namespace cedana::daemon
