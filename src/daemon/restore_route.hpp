#pragma once
// `restore process`: validate → open the checkpoint (extracting an archive) → verify its
// images → make sure the PID is free → stdio replacements → CRIU restore → adopt the child.

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

void run_restore(RequestContext& ctx, cedana::daemon::v1::RestoreReq& req, cedana::daemon::v1::RestoreResp& resp,
                 pipeline::Profile* profile);

}  // namespace cedana::daemon
