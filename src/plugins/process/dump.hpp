#pragma once
// The process plugin's dump: the tree of a PID, claimed against a second dump, settled
// (ended, or resumed with --leave-running) only once its checkpoint is published.

#include "daemon/kinds.hpp"

namespace cedana::plugins::process {

daemon::DumpKind dump_kind();

}  // namespace cedana::plugins::process
