#include "plugins/process/jobs.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "daemon/io_hub.hpp"
#include "daemon/job_routes.hpp"
#include "jobs/process_state.hpp"
#include "jobs/spawn.hpp"
#include "proc/fs_identity.hpp"
#include "proc/process_info.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::process {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::RequestContext;

namespace {

void spawn(RequestContext& c, v1::RunReq& q, v1::RunResp& r) {
    if (q.args().empty()) fail(ErrorKind::invalid_argument, "no program to run: give its path and arguments");
    auto& store = daemon::store_of(c);
    jobs::SpawnSpec spec;
    spec.as_root = q.as_root();
    auto id = daemon::job_identity(c, q.as_root());
    spec.uid = id.uid;
    spec.gid = id.gid;
    spec.groups = std::move(id.groups);
    const std::string jid = q.jid().empty() ? daemon::new_jid(store) : q.jid();
    // An attachable job's output goes to the daemon, and to a file only when asked.
    const std::string log = q.out().empty() && !q.attachable() ? fmt::format("/var/log/cedana-output-{}.log", jid) : q.out();
    util::UniqueFd out;
    // A log this request creates goes again if the program cannot start: no job, no file.
    bool created_log = false;
    if (!log.empty()) {
        std::optional<proc::FsIdentity> as_caller;
        if (!spec.as_root) as_caller.emplace(spec.uid, spec.gid);
        std::error_code ec;
        created_log = !fs::exists(log, ec) && !ec;
        out.reset(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (!out) fail(ErrorKind::invalid_argument, "cannot open the job's log {}: {}", log, std::strerror(errno));
    }
    if (q.attachable() && !c.keep_hub) fail(ErrorKind::unimplemented, "--attach and --attachable need the daemon");
    daemon::IoHub::ChildEnds ends;
    std::shared_ptr<daemon::IoHub> hub;
    if (q.attachable()) hub = daemon::IoHub::create(std::move(out), ends);
    spec.args.assign(q.args().begin(), q.args().end());
    spec.env.assign(q.env().begin(), q.env().end());
    spec.cwd = q.cwd();
    if (hub) {
        spec.stdin_fd = ends.stdin_read.get();
        spec.stdout_fd = ends.stdout_write.get();
        spec.stderr_fd = ends.stderr_write.get();
    } else {
        spec.stdout_fd = out.get();
    }
    pid_t pid = -1;
    try {
        pid = jobs::spawn_job(spec);
    } catch (...) {
        if (created_log) fs::remove(log);
        throw;
    }

    std::string command;
    for (const auto& a : q.args()) command += (command.empty() ? "" : " ") + a;
    store.add_job({.jid = jid, .type = q.type(), .pid = pid, .command = command, .log = log, .attachable = q.attachable(),
                   .gpu = q.gpu_enabled(), .created_unix = util::unix_seconds(), .exit_status = std::nullopt,
                   .start_ticks = jobs::start_ticks(pid), .details = {}, .migrated_to = {}});
    if (hub) c.keep_hub(jid, hub);
    if (c.adopt_child) c.adopt_child(pid);
    r.set_jid(jid);
    r.set_pid(pid);
    r.set_log(log);
}

void check_process(RequestContext& c, v1::ManageReq& q, v1::ManageResp& r, const daemon::ManageChain::Next& next) {
    if (q.upcoming()) {
        fail(ErrorKind::invalid_argument, "--upcoming does not apply to processes: a process cannot be waited for by PID before it exists");
    }
    if (q.pid() <= 0 || !proc::exists(q.pid())) fail(ErrorKind::not_found, "no process with PID {}", q.pid());
    if (const auto other = daemon::store_of(c).job_by_pid(q.pid()); other && daemon::job_running(*other)) {
        fail(ErrorKind::invalid_argument, "PID {} is already managed as job {}", q.pid(), other->jid);
    }
    next(c, q, r);
}

void adopt(RequestContext& c, v1::ManageReq& q, v1::ManageResp& r) {
    auto& store = daemon::store_of(c);
    const std::string jid = q.jid().empty() ? daemon::new_jid(store) : q.jid();
    const auto info = proc::inspect(q.pid());
    store.add_job({.jid = jid, .type = q.type(), .pid = q.pid(), .command = info.command, .log = "", .attachable = false,
                   .gpu = q.gpu_enabled(), .created_unix = util::unix_seconds(), .exit_status = std::nullopt,
                   .start_ticks = jobs::start_ticks(q.pid()), .details = {}, .migrated_to = {}});
    r.set_jid(jid);
    r.set_pid(q.pid());
}

}  // namespace

daemon::RunKind run_kind() { return {.plugin = "process", .steps = {}, .handler = {"run", "jobs", spawn}}; }

daemon::ManageKind manage_kind() {
    return {.plugin = "process", .steps = {{"check-process", "process", check_process}}, .handler = {"manage", "jobs", adopt}};
}

}  // namespace cedana::plugins::process
