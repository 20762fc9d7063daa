#include "plugins/process/dump.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "daemon/dump_route.hpp"
#include "proc/process_info.hpp"
#include "proc/process_tree.hpp"
#include "util/busy_set.hpp"
#include "util/error.hpp"

namespace cedana::plugins::process {

namespace v1 = cedana::daemon::v1;
using daemon::DumpCtx;
using Next = daemon::DumpChain::Next;

namespace {

void check_pid(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    if (req.pid() <= 0) fail(ErrorKind::invalid_argument, "invalid PID {}: expected a positive process id", req.pid());
    next(ctx, req, resp);
}

void resolve_process(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    ctx.dump.process = proc::inspect(req.pid());
    ctx.dump.tree = proc::tree_of(req.pid());
    for (const int pid : ctx.dump.tree) {
        if (pid == ::getpid()) {
            fail(ErrorKind::invalid_argument, "cannot dump PID {}: cedana itself runs inside that process tree; dump a process started elsewhere",
                 req.pid());
        }
        if (proc::session_leader_outside_namespace(pid)) {
            fail(ErrorKind::failed_precondition,
                 "cannot dump PID {}: process {} belongs to a session whose leader is outside its PID namespace, which CRIU cannot "
                 "checkpoint; start the program in a session of its own (setsid <program>, or cedana run)",
                 req.pid(), pid);
        }
    }
    next(ctx, req, resp);
}

// Two dumps of one process at once would fight over its tree (the loser's cleanup resuming
// what the winner froze), so the second is refused until the first is done.
void claim_process(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    static util::BusySet<int> dumping;
    const util::BusySet<int>::Claim claim(dumping, req.pid());
    if (!claim.held()) {
        fail(ErrorKind::failed_precondition, "PID {} is being dumped by another request; retry once it is done", req.pid());
    }
    next(ctx, req, resp);
}

// CRIU leaves the dumped tree stopped; only once the checkpoint is safely published does
// the tree end (or go on, with --leave-running). Any failure after CRIU's part, such as a full
// disk while packing, resumes it, so a failed dump never loses the process.
// A tree frozen before the dump (cedana freeze) stays frozen: it is not ours to resume.
void settle_process(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    const auto& tree = ctx.dump.tree;  // as resolve-process found it
    const bool frozen = !tree.empty() && std::ranges::all_of(tree, proc::is_stopped);
    try {
        next(ctx, req, resp);
    } catch (...) {
        if (proc::exists(req.pid()) && !frozen) proc::signal_tree(req.pid(), SIGCONT);
        throw;
    }
    if (ctx.dump.keep_running) {
        if (!frozen) proc::signal_tree(req.pid(), SIGCONT);
    } else {
        proc::kill_tree(req.pid(), std::chrono::seconds(5));
    }
}

// A shell job (session ≠ PID, as from a shell prompt) needs CRIU's shell_job.
void criu_dump(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp&) {
    const bool shell_job = ctx.dump.process.is_shell_job();
    daemon::dump_with_criu(ctx, req, req.pid(), [shell_job](criu_opts& opts) {
        if (shell_job) opts.set_shell_job(true);
    });
    // The tree as CRIU froze it (it stays stopped until settle-process): a shell loop forks
    // all the time, so a list taken before the dump may name children that are gone.
    ctx.dump.meta.pids = proc::tree_of(req.pid());
}

}  // namespace

daemon::DumpKind dump_kind() {
    return {.plugin = "process",
            .steps = {{"check-pid", "process", check_pid},
                      {"claim-process", "process", claim_process},
                      {"resolve-process", "process", resolve_process},
                      {"settle-process", "process", settle_process}},
            .handler = {"criu-dump", "criu", criu_dump}};
}

}  // namespace cedana::plugins::process
