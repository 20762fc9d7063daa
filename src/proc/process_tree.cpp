#include "proc/process_tree.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "proc/process_info.hpp"
#include "util/unique_fd.hpp"

namespace cedana::proc {

namespace fs = std::filesystem;

std::vector<int> tree_of(int root) {
    std::vector<int> tree{root};
    for (std::size_t i = 0; i < tree.size(); ++i) {
        std::error_code ec;
        for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", tree[i]), ec)) {
            std::ifstream children(task.path() / "children");
            for (int child = 0; children >> child;) tree.push_back(child);
        }
    }
    return tree;
}

void signal_tree(int root, int sig) {
    for (const int pid : tree_of(root)) ::kill(pid, sig);
}

void kill_tree(int root, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const std::vector<int> tree = tree_of(root);
    std::vector<util::UniqueFd> pidfds;
    for (const int pid : tree) {
        // Opened before the kill, so each fd is known to refer to this very process.
        pidfds.emplace_back(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    }
    for (const int pid : tree) ::kill(pid, SIGKILL);
    // A killed process starts exiting as soon as it is scheduled; the kernel gives no event
    // for that (a pidfd turns readable only once memory is freed), so this polls briefly.
    for (std::size_t i = 0; i < tree.size();) {
        pollfd p{pidfds[i].get(), POLLIN, 0};
        const bool exited = !pidfds[i] || ::poll(&p, 1, 0) != 0;
        if (exited || is_exiting(tree[i])) {
            ++i;
            continue;
        }
        if (std::chrono::steady_clock::now() >= deadline) return;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
}

namespace {

struct Holders {
    bool live = false;    // a running process has this PID
    bool zombie = false;  // an exiting or exited, unreaped process has it as its PID, group or session
};

// A PID number stays taken while any process, even a zombie, uses it as its own PID, its
// process group or its session, and fork() with that PID then fails. One pass over /proc
// for all of `pids`.
std::map<int, Holders> holders_of(const std::vector<int>& pids) {
    std::map<int, Holders> holders;
    for (const int pid : pids) holders[pid];
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const int own = std::stoi(name);
        const auto st = read_stat(own);
        if (!st) continue;
        for (const int id : {own, st->pgrp, st->session}) {
            const auto it = holders.find(id);
            if (it == holders.end()) continue;
            if (st->state == 'Z' || (st->flags & kExitingFlag) != 0) {
                it->second.zombie = true;
            } else if (own == id) {
                it->second.live = true;
            }
        }
    }
    return holders;
}

// The common case without reading all of /proc (1-2 ms): no task has the number as its own
// PID or thread id (/proc/<n> covers both) or as its process group. A session can outlive
// both its leader and its leader's group, so a session alone can still hold a number;
// CRIU then fails the restore on it, saying so in its log.
bool plainly_free(const std::vector<int>& pids) {
    for (const int pid : pids) {
        if (exists(pid) || ::kill(-pid, 0) == 0 || errno != ESRCH) return false;
    }
    return true;
}

}  // namespace

std::optional<int> wait_until_reaped(const std::vector<int>& pids, std::chrono::milliseconds limit) {
    if (plainly_free(pids)) return std::nullopt;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    // Reaping by another process gives no event to wait on, so this polls.
    for (;;) {
        std::optional<int> taken;
        bool waiting = false;
        for (const auto& [pid, h] : holders_of(pids)) {
            if (h.live) return pid;
            if (h.zombie) {
                waiting = true;
                if (!taken) taken = pid;
            }
        }
        if (!waiting) return std::nullopt;
        if (std::chrono::steady_clock::now() >= deadline) return taken;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace cedana::proc
