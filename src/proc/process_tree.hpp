#pragma once
// A process and all its descendants, as /proc lists them.

#include <chrono>
#include <optional>
#include <vector>

namespace cedana::proc {

// `root` first, then its descendants (breadth first).
std::vector<int> tree_of(int root);

// Sends `sig` to every process of the tree; those already gone are skipped.
void signal_tree(int root, int sig);

// Kills the whole tree and waits, up to `limit`, until each of its processes is exiting (see
// process_info.hpp): it runs none of its own code any more. The kernel then frees its memory
// by itself, which for a large process takes longer than a whole dump of it (0.12 s per GiB
// here), and is not waited for, as CRIU does not wait for it either. The PIDs are free once
// the processes' parents (or init, for orphans) reap them; see wait_until_reaped.
void kill_tree(int root, std::chrono::milliseconds limit);

// Waits, up to `limit`, until no process holds any of `pids` any more (as its PID, process
// group or session), as long as the holders are zombies or exiting (they will be gone by
// themselves). Returns the first PID still taken, or nullopt when all are free. A number
// that no task has as its PID or process group is taken as free without looking further:
// the rare session that outlived its leader and its leader's group is left to CRIU to find.
std::optional<int> wait_until_reaped(const std::vector<int>& pids, std::chrono::milliseconds limit);

}  // namespace cedana::proc
