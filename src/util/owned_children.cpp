#include "util/owned_children.hpp"

#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

namespace cedana::util {

namespace fs = std::filesystem;

namespace {

// Every child of this process, whichever of its threads it belongs to (an orphan is handed
// to some live thread of the subreaper).
std::set<pid_t> children_of_self() {
    std::set<pid_t> children;
    std::error_code ec;
    for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
        std::ifstream in(task.path() / "children");
        for (pid_t pid; in >> pid;) children.insert(pid);
    }
    return children;
}

}  // namespace

OwnedChildren::Hold OwnedChildren::hold() { return Hold(mutex_); }

void OwnedChildren::own(const Hold&, pid_t pid) { owned_.insert(pid); }

void OwnedChildren::own(pid_t pid) {
    const Hold held = hold();
    own(held, pid);
}

void OwnedChildren::disown(pid_t pid) {
    const Hold held = hold();
    owned_.erase(pid);
}

int OwnedChildren::reap_orphans() {
    const Hold held = hold();
    int reaped = 0;
    for (const pid_t pid : children_of_self()) {
        if (owned_.contains(pid)) continue;
        int status = 0;
        // WNOHANG: an orphan still running is left alone until its own SIGCHLD.
        if (::waitpid(pid, &status, WNOHANG) == pid) {
            spdlog::debug("reaped orphan {}", pid);
            ++reaped;
        }
    }
    return reaped;
}

OwnedChildren& owned_children() {
    static OwnedChildren registry;
    return registry;
}

}  // namespace cedana::util
