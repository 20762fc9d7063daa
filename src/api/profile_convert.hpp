#pragma once
// Request timings into the API's Profile message.

#include "cedana/daemon/v1/daemon.pb.h"
#include "pipeline/profile.hpp"

namespace cedana::api {

cedana::daemon::v1::Profile to_proto(const pipeline::Profile& profile);

}  // namespace cedana::api
