#pragma once
// The process plugin's run and manage: a program started as a job, a running process
// adopted as one.

#include "daemon/kinds.hpp"

namespace cedana::plugins::process {

daemon::RunKind run_kind();
daemon::ManageKind manage_kind();

}  // namespace cedana::plugins::process
