#pragma once
// runc containers as managed jobs: `run runc` creates and starts one from a bundle (its
// stdio through the daemon's pipes, its init the job's process), `manage runc` adopts one
// that runs already, or, with --upcoming, once it appears.

#include "daemon/kinds.hpp"

namespace cedana::plugins::runc {

daemon::RunKind run_kind();
daemon::ManageKind manage_kind();

}  // namespace cedana::plugins::runc
