#include "daemon/job_routes.hpp"

#include <fcntl.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "daemon/adapters.hpp"
#include "jobs/names.hpp"
#include "jobs/process_state.hpp"
#include "jobs/remote_identity.hpp"
#include "jobs/spawn.hpp"
#include "pipeline/chain.hpp"
#include "proc/fs_identity.hpp"
#include "proc/process_info.hpp"
#include "transport/peer_credentials.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::daemon {

namespace fs = std::filesystem;

namespace {

jobs::Store& store_of(const RequestContext& ctx) {
    if (ctx.store == nullptr) fail(ErrorKind::unimplemented, "managed jobs need the daemon: run `cedana daemon start` (no --no-server)");
    return *ctx.store;
}

// A chain of request-config, the request's own validation, then its handler.
template <typename Req, typename Resp, typename Validate, typename Handle>
void run_chain(RequestContext& ctx, Req& req, Resp& resp, pipeline::Profile* profile, const char* what, Validate validate, Handle handle) {
    using Chain = pipeline::Chain<RequestContext, Req, Resp>;
    Chain chain;
    chain.use("request-config", "daemon", adapters::request_config)
        .use("validate", "jobs", [validate](RequestContext& c, Req& q, Resp& r, const typename Chain::Next& next) {
            validate(c, q);
            next(c, q, r);
        })
        .handle(what, "jobs", handle);
    chain.run(ctx, req, resp, profile);
}

void check_new_jid(jobs::Store& store, const std::string& jid) {
    if (jid.empty()) return;
    if (jid.find_first_of("/ \t\n") != std::string::npos) fail(ErrorKind::invalid_argument, "job id \"{}\" may not hold '/' or spaces", jid);
    if (store.job(jid)) fail(ErrorKind::invalid_argument, "a job with id {} exists already; choose another --jid", jid);
}

std::string new_jid(jobs::Store& store) {
    return jobs::generate_jid([&store](const std::string& jid) { return store.job(jid).has_value(); });
}

std::vector<jobs::Job> select_jobs(jobs::Store& store, const google::protobuf::RepeatedPtrField<std::string>& jids, bool all) {
    if (all) return store.jobs();
    if (jids.empty()) fail(ErrorKind::invalid_argument, "name the jobs (JID...) or use --all");
    std::vector<jobs::Job> out;
    for (const auto& jid : jids) {
        auto job = store.job(jid);
        if (!job) fail(ErrorKind::not_found, "no job {} (cedana ps lists them)", jid);
        out.push_back(*job);
    }
    return out;
}

bool is_running(const jobs::Job& job) {
    const auto state = jobs::process_state(job.pid, job.start_ticks);
    return state != "halted" && state != "zombie";
}

// Who the job runs as. Over the UNIX socket the kernel's word on the caller wins over what
// the request claims. TCP and VSOCK carry no credentials, so a remote job runs as the
// daemon's configured remote identity (jobs/remote_identity.hpp); the request's uid and gid
// are never used.
void apply_identity(const RequestContext& ctx, const v1::RunReq& req, jobs::SpawnSpec& spec) {
    const auto caller = transport::peer_credentials(ctx.peer);
    if (!caller) {
        if (req.as_root()) {
            fail(ErrorKind::permission_denied,
                 "--as-root is refused over tcp and vsock: a remote caller's identity cannot be checked, and remote jobs run as the "
                 "daemon's connection.remote_uid");
        }
        auto id = jobs::remote_identity(ctx.config.connection.remote_uid, ctx.config.connection.remote_gid);
        spec.uid = id.uid;
        spec.gid = id.gid;
        spec.groups = std::move(id.groups);
        return;
    }
    if (req.as_root() && caller->uid != 0) {
        fail(ErrorKind::invalid_argument, "--as-root is for root callers only (you are uid {}); run the job as yourself", caller->uid);
    }
    spec.uid = caller->uid;
    spec.gid = caller->gid;
    spec.groups = caller->groups;
}

}  // namespace

v1::CheckpointInfo to_proto(const jobs::Checkpoint& c) {
    v1::CheckpointInfo out;
    out.set_id(c.id);
    out.set_jid(c.jid);
    out.set_time_unix(c.time_unix);
    out.set_size(c.size);
    out.set_path(c.path);
    out.set_compression(c.compression);
    return out;
}

void run_job(RequestContext& ctx, v1::RunReq& req, v1::RunResp& resp, pipeline::Profile* profile) {
    run_chain(
        ctx, req, resp, profile, "run",
        [](RequestContext& c, v1::RunReq& q) {
            if (q.type() != "process") fail(ErrorKind::unimplemented, "run of type \"{}\" is not available yet", q.type());
            if (q.args().empty()) fail(ErrorKind::invalid_argument, "no program to run: give its path and arguments");
            check_new_jid(store_of(c), q.jid());
        },
        [](RequestContext& c, v1::RunReq& q, v1::RunResp& r) {
            auto& store = store_of(c);
            jobs::SpawnSpec spec;
            spec.as_root = q.as_root();
            apply_identity(c, q, spec);
            const std::string jid = q.jid().empty() ? new_jid(store) : q.jid();
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
            IoHub::ChildEnds ends;
            std::shared_ptr<IoHub> hub;
            if (q.attachable()) hub = IoHub::create(std::move(out), ends);
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
                           .start_ticks = jobs::start_ticks(pid)});
            if (hub) c.keep_hub(jid, hub);
            if (c.adopt_child) c.adopt_child(pid);
            r.set_jid(jid);
            r.set_pid(pid);
            r.set_log(log);
        });
}

void manage_job(RequestContext& ctx, v1::ManageReq& req, v1::ManageResp& resp, pipeline::Profile* profile) {
    run_chain(
        ctx, req, resp, profile, "manage",
        [](RequestContext& c, v1::ManageReq& q) {
            if (q.type() != "process") fail(ErrorKind::unimplemented, "manage of type \"{}\" is not available yet", q.type());
            if (q.upcoming()) {
                fail(ErrorKind::invalid_argument, "--upcoming does not apply to processes: a process cannot be waited for by PID before it exists");
            }
            if (q.pid() <= 0 || !proc::exists(q.pid())) fail(ErrorKind::not_found, "no process with PID {}", q.pid());
            check_new_jid(store_of(c), q.jid());
            if (const auto other = store_of(c).job_by_pid(q.pid()); other && is_running(*other)) {
                fail(ErrorKind::invalid_argument, "PID {} is already managed as job {}", q.pid(), other->jid);
            }
        },
        [](RequestContext& c, v1::ManageReq& q, v1::ManageResp& r) {
            auto& store = store_of(c);
            const std::string jid = q.jid().empty() ? new_jid(store) : q.jid();
            const auto info = proc::inspect(q.pid());
            store.add_job({.jid = jid, .type = q.type(), .pid = q.pid(), .command = info.command, .log = "", .attachable = false,
                           .gpu = q.gpu_enabled(), .created_unix = util::unix_seconds(), .exit_status = std::nullopt,
                           .start_ticks = jobs::start_ticks(q.pid())});
            r.set_jid(jid);
            r.set_pid(q.pid());
        });
}

void list_jobs(RequestContext& ctx, v1::ListJobsReq& req, v1::ListJobsResp& resp, pipeline::Profile* profile) {
    run_chain(
        ctx, req, resp, profile, "list",
        [](RequestContext& c, v1::ListJobsReq&) { store_of(c); },
        [](RequestContext& c, v1::ListJobsReq& q, v1::ListJobsResp& r) {
            auto& store = store_of(c);
            const std::set<std::string> wanted(q.jids().begin(), q.jids().end());
            const auto summaries = store.checkpoint_summaries();
            for (const auto& job : store.jobs()) {
                if (!wanted.empty() && !wanted.contains(job.jid)) continue;
                auto* out = r.add_jobs();
                out->set_jid(job.jid);
                out->set_type(job.type);
                out->set_pid(job.pid);
                out->set_command(job.command);
                out->set_state(jobs::process_state(job.pid, job.start_ticks));
                out->set_log(job.log);
                out->set_attachable(job.attachable);
                out->set_gpu(job.gpu);
                out->set_created_unix(job.created_unix);
                out->set_exited(job.exit_status.has_value());
                out->set_exit_status(job.exit_status.value_or(0));
                if (const auto it = summaries.find(job.jid); it != summaries.end()) {
                    out->set_checkpoints(it->second.count);
                    *out->mutable_latest() = to_proto(it->second.newest);
                }
            }
            for (const auto& jid : wanted) {
                if (!store.job(jid)) fail(ErrorKind::not_found, "no job {} (cedana ps lists them)", jid);
            }
        });
}

void kill_jobs(RequestContext& ctx, v1::KillJobsReq& req, v1::KillJobsResp& resp, pipeline::Profile* profile) {
    run_chain(
        ctx, req, resp, profile, "kill",
        [](RequestContext& c, v1::KillJobsReq& q) {
            if (q.signal() < 0 || q.signal() >= NSIG) fail(ErrorKind::invalid_argument, "invalid signal {}", q.signal());
            select_jobs(store_of(c), q.jids(), q.all());
        },
        [](RequestContext& c, v1::KillJobsReq& q, v1::KillJobsResp& r) {
            const int sig = q.signal() == 0 ? SIGKILL : q.signal();
            for (const auto& job : select_jobs(store_of(c), q.jids(), q.all())) {
                if (!is_running(job)) {
                    if (!q.all()) fail(ErrorKind::failed_precondition, "job {} is not running", job.jid);
                    continue;
                }
                if (::kill(job.pid, sig) != 0) fail(ErrorKind::failed_precondition, "cannot signal job {} (PID {}): {}", job.jid, job.pid, std::strerror(errno));
                r.add_jids(job.jid);
            }
        });
}

void delete_jobs(RequestContext& ctx, v1::DeleteJobsReq& req, v1::DeleteJobsResp& resp, pipeline::Profile* profile) {
    run_chain(
        ctx, req, resp, profile, "delete",
        [](RequestContext& c, v1::DeleteJobsReq& q) { select_jobs(store_of(c), q.jids(), q.all()); },
        [](RequestContext& c, v1::DeleteJobsReq& q, v1::DeleteJobsResp& r) {
            auto& store = store_of(c);
            for (const auto& job : select_jobs(store, q.jids(), q.all())) {
                if (is_running(job)) ::kill(job.pid, SIGKILL);
                if (q.checkpoints()) {
                    for (const auto& checkpoint : store.checkpoints(job.jid)) {
                        std::error_code ec;
                        fs::remove_all(checkpoint.path, ec);
                    }
                }
                store.remove_job(job.jid);
                r.add_jids(job.jid);
            }
        });
}

void list_checkpoints(RequestContext& ctx, v1::ListCheckpointsReq& req, v1::ListCheckpointsResp& resp, pipeline::Profile* profile) {
    run_chain(
        ctx, req, resp, profile, "checkpoints",
        [](RequestContext& c, v1::ListCheckpointsReq& q) {
            if (q.id().empty() && !store_of(c).job(q.jid())) fail(ErrorKind::not_found, "no job {} (cedana ps lists them)", q.jid());
        },
        [](RequestContext& c, v1::ListCheckpointsReq& q, v1::ListCheckpointsResp& r) {
            auto& store = store_of(c);
            if (!q.id().empty()) {
                const auto checkpoint = store.checkpoint(q.id());
                if (!checkpoint) fail(ErrorKind::not_found, "no checkpoint {}", q.id());
                *r.add_checkpoints() = to_proto(*checkpoint);
                return;
            }
            for (const auto& checkpoint : store.checkpoints(q.jid())) *r.add_checkpoints() = to_proto(checkpoint);
        });
}

}  // namespace cedana::daemon
