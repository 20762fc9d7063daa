#pragma once
// The health check request: the same chain runs in the daemon (`cedana daemon check`) and
// in the CLI's own process (`cedana check`).

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

void run_health_check(RequestContext& ctx, cedana::daemon::v1::HealthCheckReq& req,
                      cedana::daemon::v1::HealthCheckResp& resp, pipeline::Profile* profile);

}  // namespace cedana::daemon
