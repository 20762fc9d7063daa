#pragma once
// `freeze`/`unfreeze runc ID` (and of a runc job) through the container's cgroup freezer, as
// `runc pause`/`resume` do, so runc shows it paused; `query runc ID...`: what runc knows of
// each container, its processes with --tree, the first one's details with --inspect.

#include "daemon/kinds.hpp"

namespace cedana::plugins::runc {

daemon::FreezeKind freeze_kind();
daemon::FreezeKind unfreeze_kind();
daemon::QueryKind query_kind();

// A runc job's state for `ps`: "paused" while its container is frozen; nullopt otherwise
// (the init's process state says it then).
std::optional<std::string> job_state(const jobs::Job& job);

}  // namespace cedana::plugins::runc
