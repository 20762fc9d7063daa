#pragma once
// The runc plugin's dump: the container found in runc's state, claimed against a second
// dump, checkpointed by CRIU with what its configuration shares with the host (externals.hpp)
// and its cgroups frozen and dumped, then ended (runc delete) or resumed once the
// checkpoint is published. runc's state and the container's cgroups go into the checkpoint,
// for the restore.

#include "daemon/kinds.hpp"

namespace cedana::plugins::runc {

// The files the checkpoint carries besides CRIU's images.
inline constexpr const char* kStateFile = "runc-state.json";
inline constexpr const char* kCgroupFile = "runc-cgroup";
inline constexpr const char* kFreezerFile = "runc-freezer";  // FROZEN when it was paused
inline constexpr const char* kStdioFile = "runc-stdio.json";  // fd → host file it wrote to

daemon::DumpKind dump_kind();

}  // namespace cedana::plugins::runc
