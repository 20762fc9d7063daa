#pragma once
// The profiling table the CLI prints after a result.

#include <string>

#include "cedana/daemon/v1/daemon.pb.h"

namespace cedana::cli {

// A table of step, component and time in the order the steps ran, then the total per
// component. Ends with a newline.
std::string format_profile(const cedana::daemon::v1::Profile& profile);

// "0.042 ms", "12.3 ms", "1.234 s"
std::string format_duration_ns(long long ns);

}  // namespace cedana::cli
