#pragma once
// The process plugin's restore: every PID of the tree free, stdio replaced
// (restore_stdio.hpp), then CRIU's restore as our child.

#include "daemon/kinds.hpp"

namespace cedana::plugins::process {

daemon::RestoreKind restore_kind();

}  // namespace cedana::plugins::process
