#include "plugins/process/restore.hpp"

#include <chrono>

#include "daemon/restore_route.hpp"
#include "plugins/process/restore_stdio.hpp"
#include "proc/process_info.hpp"
#include "proc/process_tree.hpp"
#include "util/error.hpp"

namespace cedana::plugins::process {

namespace v1 = cedana::daemon::v1;
using daemon::RestoreCtx;
using Next = daemon::RestoreChain::Next;

namespace {

// Every PID of the tree must be free. One still held by an exiting process or a zombie (a
// killed process not yet reaped by its parent or init) is waited for briefly; a live one is
// an error.
void check_pid(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    if (req.attachable() && !ctx.restore.job) {
        fail(ErrorKind::invalid_argument, "--attach and --attachable are for jobs (restore job JID); for a process use --out or --no-server");
    }
    if (ctx.restore.meta) {
        if (const auto taken = proc::wait_until_reaped(ctx.restore.meta->pids, std::chrono::seconds(3))) {
            const int pid = *taken;
            if (!proc::exists(pid) || (proc::is_exiting(pid) && !proc::is_zombie(pid))) {
                fail(ErrorKind::failed_precondition,
                     "PID {} is still held by processes of its group or session that are exiting, or exited and not reaped yet; retry in "
                     "a moment",
                     pid);
            }
            const auto other = proc::inspect(pid);
            if (other.pid == pid && proc::is_zombie(pid)) {
                fail(ErrorKind::failed_precondition,
                     "PID {} is taken by an exited process its parent (PID {}) has not reaped yet; the checkpointed process must get its "
                     "PID back: have the parent wait for it (e.g. `wait` in its shell) and retry",
                     pid, proc::parent_of(pid));
            }
            fail(ErrorKind::failed_precondition,
                 "PID {} is taken by another process ({}): the checkpointed process must get its PID back; end that process and retry",
                 pid, other.command.empty() ? "unknown" : other.command);
        }
    }
    next(ctx, req, resp);
}

// A shell job's checkpoint needs CRIU's shell_job on restore too.
void criu_restore(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp) {
    const bool shell_job = ctx.restore.meta && ctx.restore.meta->shell_job;
    daemon::restore_with_criu(ctx, req, resp, [shell_job](criu_opts& opts) {
        if (shell_job) opts.set_shell_job(true);
    });
}

}  // namespace

daemon::RestoreKind restore_kind() {
    return {.plugin = "process",
            .steps = {{"check-pid", "process", check_pid}, {"stdio", "process", restore_stdio}},
            .handler = {"criu-restore", "criu", criu_restore}};
}

}  // namespace cedana::plugins::process
