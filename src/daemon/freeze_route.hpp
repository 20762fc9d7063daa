#pragma once
// Freeze, unfreeze and query: request-config → plugin → the type's steps and handler
// (daemon/kinds.hpp); `freeze job` and `unfreeze job` take the job's type and process.

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

void run_freeze(RequestContext& ctx, cedana::daemon::v1::FreezeReq& req, cedana::daemon::v1::FreezeResp& resp, pipeline::Profile* profile);
void run_unfreeze(RequestContext& ctx, cedana::daemon::v1::FreezeReq& req, cedana::daemon::v1::FreezeResp& resp,
                  pipeline::Profile* profile);
void run_query(RequestContext& ctx, cedana::daemon::v1::QueryReq& req, cedana::daemon::v1::QueryResp& resp, pipeline::Profile* profile);

}  // namespace cedana::daemon
