#pragma once
// One daemon to a job database. A second one would fight the first over its jobs, and its
// recovery (recovery.hpp) would resume the processes the first is dumping. The lock is an
// flock on `<database>.lock`, which holds the PID of the daemon that has it; the kernel lets
// go of it when that daemon ends, however it ends.

#include <string>

#include "util/unique_fd.hpp"

namespace cedana::daemon {

class DatabaseLock {
public:
    // Throws cedana::Error (failed_precondition) naming the daemon that holds the lock.
    explicit DatabaseLock(const std::string& database);

private:
    util::UniqueFd fd_;
};

}  // namespace cedana::daemon
