#pragma once
// Restores: the core's steps (validate, open the checkpoint, verify its images) around the
// workload type's own (daemon/kinds.hpp): see there for the order.

#include <functional>

#include "cedana/daemon/v1/daemon.pb.h"
#include "criu/rpc.pb.h"
#include "daemon/request_context.hpp"
#include "daemon/restore_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

void run_restore(RequestContext& ctx, cedana::daemon::v1::RestoreReq& req, cedana::daemon::v1::RestoreResp& resp,
                 pipeline::Profile* profile);

// For a plugin's restore handler: CRIU restores the opened checkpoint as a sibling (our
// child), with the inherited fds and terminal the plugin's steps prepared, waits at its
// post-restore notification for the memory check, and hands the restored root (or its
// session holder) to ctx.adopt_child. `target_defaults` sets what the target needs, under
// the user's flags and --criu-opts, which win. A failure leaves nothing running.
void restore_with_criu(RestoreCtx& ctx, const cedana::daemon::v1::RestoreReq& req, cedana::daemon::v1::RestoreResp& resp,
                       const std::function<void(criu_opts&)>& target_defaults);

}  // namespace cedana::daemon
