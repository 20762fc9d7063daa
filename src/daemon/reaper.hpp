#pragma once
// Reaps the processes the daemon started or restored as its children, so none lingers as a
// zombie, and reports their exit statuses. Each such child is watched through a pidfd: a
// catch-all waitpid(-1) would also take the exit statuses of the CRIU processes the engine
// waits for itself. On SIGCHLD (blocked in every thread of the daemon, read here from a
// signalfd) it also reaps the orphans the daemon inherits as a child subreaper: every zombie
// child that nobody owns (util/owned_children.hpp).

#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "util/unique_fd.hpp"

namespace cedana::daemon {

class Reaper {
public:
    Reaper();
    ~Reaper();
    Reaper(const Reaper&) = delete;
    Reaper& operator=(const Reaper&) = delete;

    // Takes a child of this process; it is reaped when it exits, and `on_exit` gets its exit
    // status (or 128 + the signal that ended it).
    void adopt(int pid, std::function<void(int status)> on_exit = {});

private:
    void loop();

    std::mutex mutex_;
    struct Child {
        util::UniqueFd pidfd;
        std::function<void(int)> on_exit;
    };
    std::map<int, Child> children_;
    util::UniqueFd wake_;                     // eventfd: a new child, or stop
    util::UniqueFd sigchld_;                  // signalfd: some child changed state
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cedana::daemon
