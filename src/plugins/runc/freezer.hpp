#pragma once
// A container's cgroup freezer: what `cedana freeze runc` and `runc pause` use. On cgroup
// v1 freezer.state (FROZEN only counts when the group froze itself, not through a parent);
// on v2 cgroup.freeze and the "frozen" line of cgroup.events.

#include <string>

namespace cedana::plugins::runc {

// Whether the cgroup at `dir` (its freezer directory, or its v2 directory) is frozen.
bool is_frozen(const std::string& dir);

// Freezes the group and returns once every task in it is frozen; throws cedana::Error when
// the kernel does not get there (the group is thawed again then).
void freeze_cgroup(const std::string& dir);
void thaw_cgroup(const std::string& dir);

}  // namespace cedana::plugins::runc
