#pragma once
// `dump process`: validate → resolve the process → stage the checkpoint → pack (on the way
// back) → metadata (on the way back) → CRIU dump.

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

void run_dump(RequestContext& ctx, cedana::daemon::v1::DumpReq& req, cedana::daemon::v1::DumpResp& resp, pipeline::Profile* profile);

}  // namespace cedana::daemon
