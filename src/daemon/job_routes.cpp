#include "daemon/job_routes.hpp"

#include <fcntl.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "daemon/adapters.hpp"
#include "daemon/chain_cache.hpp"
#include "daemon/kinds.hpp"
#include "jobs/names.hpp"
#include "jobs/process_state.hpp"
#include "jobs/remote_identity.hpp"
#include "jobs/spawn.hpp"
#include "pipeline/chain.hpp"
#include "proc/fs_identity.hpp"
#include "proc/process_info.hpp"
#include "storage/location.hpp"
#include "storage/remote_checkpoint.hpp"
#include "storage/store_registry.hpp"
#include "transport/peer_credentials.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::daemon {

namespace fs = std::filesystem;

namespace {

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

}  // namespace

bool job_running(const jobs::Job& job) {
    if (!job.migrated_to.empty()) return false;
    const auto state = jobs::process_state(job.pid, job.start_ticks);
    return state != "halted" && state != "zombie";
}

jobs::Store& store_of(const RequestContext& ctx) {
    if (ctx.store == nullptr) fail(ErrorKind::unimplemented, "managed jobs need the daemon: run `cedana daemon start` (no --no-server)");
    return *ctx.store;
}

void check_new_jid(jobs::Store& store, const std::string& jid) {
    if (jid.empty()) return;
    if (jid.find_first_of("/ \t\n") != std::string::npos) fail(ErrorKind::invalid_argument, "job id \"{}\" may not hold '/' or spaces", jid);
    if (store.job(jid)) fail(ErrorKind::invalid_argument, "a job with id {} exists already; choose another --jid", jid);
}

std::string new_jid(jobs::Store& store) {
    return jobs::generate_jid([&store](const std::string& jid) { return store.job(jid).has_value(); });
}

std::optional<jobs::Job> requested_job(const RequestContext& ctx, const std::string& type, const std::string& jid, const char* what) {
    if (type != "job") return std::nullopt;
    if (ctx.store == nullptr) fail(ErrorKind::unimplemented, "{} job needs the daemon: run `cedana daemon start`", what);
    auto job = ctx.store->job(jid);
    if (!job) fail(ErrorKind::not_found, "no job {} (cedana ps lists them)", jid);
    // Its PID is another daemon's job now, maybe on this very machine: hands off.
    if (!job->migrated_to.empty()) {
        fail(ErrorKind::failed_precondition, "job {} was migrated to the daemon at {}; {} it there (cedana --address {})", jid, job->migrated_to,
             what, job->migrated_to);
    }
    return job;
}

// Who a job runs as. Over the UNIX socket the kernel's word on the caller wins over what
// the request claims. TCP and VSOCK carry no credentials, so a remote job runs as the
// daemon's configured remote identity (jobs/remote_identity.hpp); a request never names one.
jobs::Identity job_identity(const RequestContext& ctx, bool as_root) {
    const auto caller = transport::peer_credentials(ctx.peer);
    if (!caller) {
        if (as_root) {
            fail(ErrorKind::permission_denied,
                 "--as-root is refused over tcp and vsock: a remote caller's identity cannot be checked, and remote jobs run as the "
                 "daemon's connection.remote_uid");
        }
        return jobs::remote_identity(ctx.config.connection.remote_uid, ctx.config.connection.remote_gid);
    }
    if (as_root && caller->uid != 0) {
        fail(ErrorKind::invalid_argument, "--as-root is for root callers only (you are uid {}); run the job as yourself", caller->uid);
    }
    return {.uid = caller->uid, .gid = caller->gid, .groups = caller->groups};
}

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

namespace {

// The chain of one workload type's requests: the core's steps, then the type's (kinds.hpp).
template <typename Chain, typename K>
Chain build_chain(const K& kind) {
    Chain built;
    built.use("request-config", "daemon", adapters::request_config)
        .use("plugin", "daemon", adapters::require_plugin(kind.plugin))
        .use("validate", "jobs", [](RequestContext& c, auto& q, auto& r, const typename Chain::Next& next) {
            check_new_jid(store_of(c), q.jid());
            next(c, q, r);
        });
    for (const auto& step : kind.steps) built.use(step.name, step.component, step.fn);
    built.handle(kind.handler.name, kind.handler.component, kind.handler.fn);
    return built;
}

}  // namespace

void run_job(RequestContext& ctx, v1::RunReq& req, v1::RunResp& resp, pipeline::Profile* profile) {
    cached_chain<RunChain>(req.type(), [&req] { return build_chain<RunChain>(run_kind(req.type())); }).run(ctx, req, resp, profile);
}

void manage_job(RequestContext& ctx, v1::ManageReq& req, v1::ManageResp& resp, pipeline::Profile* profile) {
    cached_chain<ManageChain>(req.type(), [&req] { return build_chain<ManageChain>(manage_kind(req.type())); })
        .run(ctx, req, resp, profile);
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
                out->set_state(!job.migrated_to.empty() ? std::string("migrated")
                                                        : job_state(job).value_or(jobs::process_state(job.pid, job.start_ticks)));
                out->set_migrated_to(job.migrated_to);
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
                if (!job_running(job)) {
                    if (!q.all()) fail(ErrorKind::failed_precondition, "job {} is not running", job.jid);
                    continue;
                }
                if (::kill(job.pid, sig) != 0) fail(ErrorKind::failed_precondition, "cannot signal job {} (PID {}): {}", job.jid, job.pid, std::strerror(errno));
                r.add_jids(job.jid);
            }
        });
}

namespace {

void remove_remote_checkpoints(const config::Config& config, const std::vector<jobs::Checkpoint>& checkpoints, const std::string& jid) {
    for (const auto& checkpoint : checkpoints) {
        if (storage::scheme_of(checkpoint.path).empty()) continue;
        try {
            const auto url = storage::parse_url(checkpoint.path, "checkpoint");
            storage::remove_checkpoint(*storage::open_store(config, url), url);
        } catch (const Error& e) {
            fail(e.kind(), "job {} is kept: cannot delete its checkpoint {}: {}", jid, checkpoint.path, e.what());
        }
    }
}

}  // namespace

void delete_jobs(RequestContext& ctx, v1::DeleteJobsReq& req, v1::DeleteJobsResp& resp, pipeline::Profile* profile) {
    run_chain(
        ctx, req, resp, profile, "delete",
        [](RequestContext& c, v1::DeleteJobsReq& q) { select_jobs(store_of(c), q.jids(), q.all()); },
        [](RequestContext& c, v1::DeleteJobsReq& q, v1::DeleteJobsResp& r) {
            auto& store = store_of(c);
            for (const auto& job : select_jobs(store, q.jids(), q.all())) {
                // Remote ones first: a store that fails leaves the job, and its record of
                // what is still to delete, as it was.
                if (q.checkpoints()) remove_remote_checkpoints(c.config, store.checkpoints(job.jid), job.jid);
                if (job_running(job)) ::kill(job.pid, SIGKILL);
                if (q.checkpoints()) {
                    for (const auto& checkpoint : store.checkpoints(job.jid)) {
                        if (!storage::scheme_of(checkpoint.path).empty()) continue;
                        std::error_code ec;
                        fs::remove_all(checkpoint.path, ec);
                    }
                }
                store.remove_job(job.jid);
                if (c.drop_hub) c.drop_hub(job.jid);
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
