#pragma once
// Which children of this process are waited for by whoever started them. The daemon is a
// child subreaper (PR_SET_CHILD_SUBREAPER): the orphans its jobs leave (the children of a
// dumped and killed tree, a job's double-forked helpers) become its children instead of
// PID 1's, which may reap them late or never (a container's PID 1 often does not reap), and
// a zombie holding a PID makes the restore of that PID fail. On SIGCHLD the daemon's reaper
// reaps every zombie child that nobody owns. A child's starter owns it from before it exists
// (the start happens under hold()) until it has waited for it, so no sweep can take a child
// it will wait for.

#include <sys/types.h>

#include <mutex>
#include <set>

namespace cedana::util {

class OwnedChildren {
public:
    // Keeps sweeps out while a child is started: start it, own() it, then let go.
    using Hold = std::unique_lock<std::mutex>;
    [[nodiscard]] Hold hold();
    void own(const Hold& held, pid_t pid);
    // For a PID that will become a child without being started here: a restored process.
    void own(pid_t pid);
    // Once its owner has waited for it, or knows it will never be a child.
    void disown(pid_t pid);
    // Reaps every zombie child nobody owns; returns how many.
    int reap_orphans();

private:
    std::mutex mutex_;
    std::set<pid_t> owned_;
};

// The process-wide registry.
OwnedChildren& owned_children();

}  // namespace cedana::util
