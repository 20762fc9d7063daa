#pragma once
// A job's output copied to its log by a process of its own rather than by the daemon: a
// workload whose stdout must stay a pipe (a container: CRIU cannot dump a host file it cannot
// see) keeps writing through a daemon restart, where pipes read by the daemon would break
// (EPIPE, SIGPIPE). The relay is forked (no exec: it only reads and writes, which is safe in
// a forked copy of a threaded process), leads a session of its own, and exits once every
// writer has closed the pipe.

#include <sys/types.h>

#include "util/unique_fd.hpp"

namespace cedana::jobs {

struct OutputRelay {
    util::UniqueFd pipe;  // what the workload writes to
    // The relay, a child of the caller: the daemon's sweep of orphans reaps it
    // (util/owned_children.hpp); another caller waits for it.
    pid_t pid = -1;
};

// Starts a relay appending what is written to its pipe to `log`. Throws cedana::Error when the
// pipe or the process cannot be made.
OutputRelay start_output_relay(const util::UniqueFd& log);

}  // namespace cedana::jobs
