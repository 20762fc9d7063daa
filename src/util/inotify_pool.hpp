#pragma once
// Inotify instances that are kept and reused instead of closed.
//
// Closing an inotify instance that has had watches waits for the kernel to retire them (an
// SRCU grace period: 10-15 ms measured here), longer than following a small dump takes.
// Removing a watch does not wait, so an instance is given back with its watches removed and
// its queue emptied, and the next user takes it as new.

#include <vector>

#include "util/unique_fd.hpp"

namespace cedana::util {

// A non-blocking, close-on-exec inotify instance, idle or new. Throws cedana::Error when the
// kernel refuses a new one.
UniqueFd take_inotify();

// Gives back an instance after removing `watches` (those already gone are skipped) and
// discarding its pending events.
void give_back_inotify(UniqueFd fd, const std::vector<int>& watches);

}  // namespace cedana::util
