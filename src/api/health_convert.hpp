#pragma once
// Health reports to and from the API's messages.

#include "cedana/daemon/v1/daemon.pb.h"
#include "health/report.hpp"

namespace cedana::api {

void to_proto(const health::Report& report, cedana::daemon::v1::HealthCheckResp& out);
health::Report from_proto(const cedana::daemon::v1::HealthCheckResp& resp);

}  // namespace cedana::api
