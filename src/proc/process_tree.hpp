#pragma once
// A process and all its descendants, as /proc lists them.

#include <chrono>
#include <vector>

namespace cedana::proc {

// `root` first, then its descendants (breadth first).
std::vector<int> tree_of(int root);

// Sends `sig` to every process of the tree; those already gone are skipped.
void signal_tree(int root, int sig);

// Kills the whole tree and waits, up to `limit`, until its processes have exited and the
// descendants are reaped (by init, once their parent is gone), so their PIDs are free for a
// restore that follows at once. The root stays a zombie until its own parent reaps it.
void kill_tree(int root, std::chrono::milliseconds limit);

}  // namespace cedana::proc
