#pragma once
// The plugin's requests (query, freeze, unfreeze) against containerd's own view of its
// containers: containerd's task API pauses and resumes them, so that `ctr task ls` agrees.

#include "daemon/kinds.hpp"

namespace cedana::plugins::containerd {

daemon::QueryKind query_kind();
daemon::FreezeKind freeze_kind();
daemon::FreezeKind unfreeze_kind();

}  // namespace cedana::plugins::containerd
