#include "plugins/process/freeze.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "jobs/process_state.hpp"
#include "proc/process_info.hpp"
#include "proc/process_tree.hpp"
#include "util/error.hpp"
#include "util/units.hpp"

namespace cedana::plugins::process {

namespace v1 = cedana::daemon::v1;
using daemon::RequestContext;

namespace {

using namespace std::chrono_literals;

// How long the processes of a tree get to reach the stopped state once signalled.
constexpr auto kStopWait = 5s;
constexpr auto kPoll = 10ms;

std::vector<int> tree_or_fail(int pid) {
    if (pid <= 0 || !proc::exists(pid)) fail(ErrorKind::not_found, "no process with PID {}", pid);
    return proc::tree_of(pid);
}

void send(int pid, int sig) {
    // A process that exited since the tree was listed has nothing left to stop or continue.
    if (::kill(pid, sig) != 0 && errno != ESRCH) {
        fail(ErrorKind::failed_precondition, "cannot signal PID {}: {}", pid, std::strerror(errno));
    }
}

// Stops every process of the tree, including children forked while it is being stopped,
// and returns once all of them are stopped.
void freeze(RequestContext&, v1::FreezeReq& req, v1::FreezeResp& resp) {
    const int root = req.pid();
    std::vector<int> tree = tree_or_fail(root);
    if (std::ranges::find(tree, ::getpid()) != tree.end()) {
        fail(ErrorKind::invalid_argument, "cannot freeze PID {}: cedana itself runs inside that process tree", root);
    }
    if (std::ranges::all_of(tree, proc::is_stopped)) {
        fail(ErrorKind::failed_precondition, "PID {} is frozen already (its processes are stopped); unfreeze it with `cedana unfreeze "
                                             "process {}`", root, root);
    }
    const auto deadline = std::chrono::steady_clock::now() + kStopWait;
    for (;;) {
        for (const int pid : tree) {
            if (!proc::is_stopped(pid)) send(pid, SIGSTOP);
        }
        const std::vector<int> now = proc::tree_of(root);
        if (now == tree && std::ranges::all_of(tree, [](int pid) { return proc::is_stopped(pid) || !proc::exists(pid); })) break;
        if (std::chrono::steady_clock::now() > deadline) {
            for (const int pid : now) send(pid, SIGCONT);
            fail(ErrorKind::failed_precondition, "PID {}: its processes did not all stop within {} s; they were let go on", root,
                 std::chrono::duration_cast<std::chrono::seconds>(kStopWait).count());
        }
        tree = now;
        std::this_thread::sleep_for(kPoll);
    }
    for (const int pid : tree) resp.add_pids(pid);
}

void unfreeze(RequestContext&, v1::FreezeReq& req, v1::FreezeResp& resp) {
    const int root = req.pid();
    const std::vector<int> tree = tree_or_fail(root);
    std::vector<int> frozen;
    std::ranges::copy_if(tree, std::back_inserter(frozen), proc::is_stopped);
    if (frozen.empty()) {
        fail(ErrorKind::failed_precondition, "PID {} is not frozen: none of its processes is stopped, nothing to unfreeze", root);
    }
    for (const int pid : frozen) {
        send(pid, SIGCONT);
        resp.add_pids(pid);
    }
}

void add_row(v1::QueryResp& resp, int pid) {
    const auto st = proc::read_stat(pid);
    if (!st) return;  // exited since it was listed
    auto* row = resp.add_rows();
    row->add_cells(std::to_string(pid));
    row->add_cells(std::to_string(st->ppid));
    row->add_cells(jobs::process_state(pid));
    row->add_cells(proc::inspect(pid).command);
}

void add_details(v1::QueryResp& resp, int pid) {
    const auto info = proc::inspect(pid);
    const auto st = proc::read_stat(pid);
    const auto detail = [&resp](const std::string& name, const std::string& value) {
        auto* d = resp.add_details();
        d->set_name(name);
        d->set_value(value);
    };
    detail("PID", std::to_string(pid));
    detail("Command", info.command);
    detail("State", jobs::process_state(pid));
    if (st) {
        detail("Parent", std::to_string(st->ppid));
        detail("Process group", std::to_string(st->pgrp));
        detail("Resident memory", util::binary_size(static_cast<std::uint64_t>(st->rss_pages) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE))));
    }
    detail("Session", std::to_string(info.sid));
    detail("Shell job", info.is_shell_job() ? "yes (started from a shell: dumped with --shell-job)" : "no (leads its own session)");
    detail("Processes in tree", std::to_string(proc::tree_of(pid).size()));
    for (const auto& file : info.stdio) detail(fmt::format("fd {}", file.fd), fmt::format("{} {}", file.kind, file.key));
}

void query(RequestContext&, v1::QueryReq& req, v1::QueryResp& resp) {
    if (req.targets().empty()) fail(ErrorKind::invalid_argument, "name the processes to query by PID");
    for (const auto* column : {"PID", "PPID", "STATE", "COMMAND"}) resp.add_columns(column);
    std::vector<int> roots;
    for (const auto& target : req.targets()) {
        const int pid = proc::parse_pid(target);
        if (!proc::exists(pid)) fail(ErrorKind::not_found, "no process with PID {}", pid);
        roots.push_back(pid);
    }
    std::set<int> shown;
    for (const int root : roots) {
        for (const int pid : req.tree() ? proc::tree_of(root) : std::vector<int>{root}) {
            if (shown.insert(pid).second) add_row(resp, pid);
        }
    }
    if (req.inspect()) add_details(resp, roots.front());
}

}  // namespace

daemon::FreezeKind freeze_kind() { return {.plugin = "process", .steps = {}, .handler = {"freeze", "process", freeze}}; }
daemon::FreezeKind unfreeze_kind() { return {.plugin = "process", .steps = {}, .handler = {"unfreeze", "process", unfreeze}}; }
daemon::QueryKind query_kind() { return {.plugin = "process", .steps = {}, .handler = {"query", "process", query}}; }

}  // namespace cedana::plugins::process
