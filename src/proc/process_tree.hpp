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

// Kills the whole tree and waits, up to `limit`, until its processes have exited. Their PIDs
// are free once their parents (or init, for orphans) reap them; see wait_until_reaped.
void kill_tree(int root, std::chrono::milliseconds limit);

// Waits, up to `limit`, until no process holds any of `pids` any more (as its PID, process
// group or session), as long as the holders are zombies (exited, waiting for their parent to
// reap them). Returns the first PID still taken, or nullopt when all are free.
std::optional<int> wait_until_reaped(const std::vector<int>& pids, std::chrono::milliseconds limit);

}  // namespace cedana::proc
