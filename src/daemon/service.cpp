#include "daemon/service.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "api/metadata.hpp"
#include "api/profile_convert.hpp"
#include "daemon/dump_route.hpp"
#include "daemon/freeze_route.hpp"
#include "daemon/health_route.hpp"
#include "daemon/job_routes.hpp"
#include "daemon/migrate_route.hpp"
#include "daemon/restore_route.hpp"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"
#include "util/error.hpp"

namespace cedana::daemon {

namespace {

grpc::StatusCode status_code(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::invalid_argument: return grpc::StatusCode::INVALID_ARGUMENT;
        case ErrorKind::not_found: return grpc::StatusCode::NOT_FOUND;
        case ErrorKind::failed_precondition: return grpc::StatusCode::FAILED_PRECONDITION;
        case ErrorKind::unavailable: return grpc::StatusCode::UNAVAILABLE;
        case ErrorKind::unimplemented: return grpc::StatusCode::UNIMPLEMENTED;
        case ErrorKind::unauthenticated: return grpc::StatusCode::UNAUTHENTICATED;
        case ErrorKind::permission_denied: return grpc::StatusCode::PERMISSION_DENIED;
        case ErrorKind::internal: return grpc::StatusCode::INTERNAL;
    }
    return grpc::StatusCode::INTERNAL;
}

std::string metadata(const grpc::ServerContext& context, const char* key) {
    const auto& md = context.client_metadata();
    const auto it = md.find(key);
    return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

// Runs one request: builds its context, runs `route`, reports errors and timings.
template <typename Route>
grpc::Status Service::serve(grpc::ServerContext& context, const char* what, Route&& route) {
    if (auto refused = guard_.admit(context, what); !refused.ok()) return refused;
    RequestContext ctx;
    ctx.base_config = config_;
    ctx.config_override = metadata(context, api::kConfigKey);
    ctx.peer = context.peer();
    ctx.store = &store_;
    ctx.adopt_child = [this](int pid) { reaper_.adopt(pid, [this, pid](int status) { job_ended(pid, status); }); };
    ctx.job_ended = [this](int pid, int code) { job_ended(pid, code); };
    ctx.keep_relay = [this](std::unique_ptr<proc::TtyRelay> relay) { keep_relay(std::move(relay)); };
    ctx.keep_hub = [this](const std::string& jid, std::shared_ptr<IoHub> hub) { keep_hub(jid, std::move(hub)); };
    ctx.drop_hub = [this](const std::string& jid) { drop_hub(jid); };
    // The CLI decides whether timings are printed (its --profiling or Profiling.Enabled) and
    // asks for them; unasked, the steps go untimed.
    const bool profiling = metadata(context, api::kProfilingKey) == "1";
    // A request id is the CLI's to choose; one already running keeps its own.
    const std::string request_id = metadata(context, api::kRequestIdKey);
    bool tracked = false;
    if (!request_id.empty()) {
        const std::lock_guard lock(transfers_mutex_);
        tracked = transfers_.emplace(request_id, ctx.transfer).second;
    }
    pipeline::Profile profile;
    grpc::Status status = grpc::Status::OK;
    try {
        route(ctx, profiling ? &profile : nullptr);
    } catch (const Error& e) {
        spdlog::info("{} failed: {}", what, e.what());
        status = grpc::Status(status_code(e.kind()), e.what());
    } catch (const std::exception& e) {
        spdlog::error("{} failed unexpectedly: {}", what, e.what());
        status = grpc::Status(grpc::StatusCode::INTERNAL, e.what());
    }
    if (tracked) {
        const std::lock_guard lock(transfers_mutex_);
        transfers_.erase(request_id);
    }
    if (profiling) {
        context.AddTrailingMetadata(api::kProfileTrailer, api::to_proto(profile).SerializeAsString());
    }
    ctx.transfer->end();
    if (const auto moved = ctx.transfer->snapshot(); status.ok() && !moved.what.empty()) {
        context.AddTrailingMetadata(api::kTransferTrailer, fmt::format("{}\t{}\t{}", moved.what, moved.done, moved.elapsed_ms));
    }
    return status;
}

void Service::job_ended(int pid, int status) {
    auto job = store_.job_by_pid(pid);
    if (!job) return;
    if (const auto hub = hub_of(job->jid)) hub->set_exit(status);
    if (job->exit_status) return;
    job->exit_status = status;
    store_.update_job(*job);
}

void Service::keep_hub(const std::string& jid, std::shared_ptr<IoHub> hub) {
    const std::lock_guard lock(hubs_mutex_);
    hubs_[jid] = std::move(hub);
}

void Service::drop_hub(const std::string& jid) {
    const std::lock_guard lock(hubs_mutex_);
    hubs_.erase(jid);
}

std::shared_ptr<IoHub> Service::hub_of(const std::string& jid) {
    const std::lock_guard lock(hubs_mutex_);
    const auto it = hubs_.find(jid);
    return it == hubs_.end() ? nullptr : it->second;
}

grpc::Status Service::Attach(grpc::ServerContext* context, grpc::ServerReaderWriter<v1::AttachResp, v1::AttachReq>* stream) {
    if (auto refused = guard_.admit(*context, "attach"); !refused.ok()) return refused;
    v1::AttachReq first;
    if (!stream->Read(&first)) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "attach: name the job first");
    std::optional<jobs::Job> job = first.jid().empty() ? store_.job_by_pid(first.pid()) : store_.job(first.jid());
    if (!job) {
        return grpc::Status(grpc::StatusCode::NOT_FOUND, first.jid().empty() ? fmt::format("no job has PID {}", first.pid())
                                                                             : fmt::format("no job {} (cedana ps lists them)", first.jid()));
    }
    const auto hub = hub_of(job->jid);
    if (!hub) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            fmt::format("job {} is not attachable: its output goes to {} (run it with --attachable, or restore "
                                        "it with `cedana restore job {} --attach`)",
                                        job->jid, job->log.empty() ? "its own files" : job->log, job->jid));
    }
    const auto subscription = hub->subscribe();
    v1::AttachResp hello;
    hello.set_attached(true);
    stream->Write(hello);
    // Input arrives on its own thread; cancelling the call (the client detached, or the job
    // ended and the output is all sent) ends it.
    std::thread input([&] {
        v1::AttachReq req;
        while (stream->Read(&req)) {
            try {
                if (!req.stdin().empty()) hub->write_stdin(req.stdin());
                if (req.close_stdin()) hub->close_stdin();
            } catch (const Error& e) {
                spdlog::info("attach to {}: {}", job->jid, e.what());
            }
        }
    });
    bool done = false;
    while (!done && !context->IsCancelled()) {
        for (auto& chunk : subscription->take(std::chrono::milliseconds(200), done)) {
            v1::AttachResp resp;
            (chunk.stream == 1 ? *resp.mutable_stdout() : *resp.mutable_stderr()) = std::move(chunk.data);
            if (!stream->Write(resp)) done = true;
        }
    }
    hub->unsubscribe(subscription);
    if (done && !context->IsCancelled()) {
        // The client closes its side once it has the exit status, which ends `input`.
        v1::AttachResp last;
        last.set_exited(true);
        last.set_exit_status(subscription->exit_status().value_or(0));
        if (!stream->Write(last)) context->TryCancel();
    } else {
        context->TryCancel();
    }
    input.join();
    return grpc::Status::OK;
}

void Service::keep_relay(std::unique_ptr<proc::TtyRelay> relay) {
    const std::lock_guard lock(relays_mutex_);
    std::erase_if(relays_, [](const auto& r) { return r->finished(); });
    relays_.push_back(std::move(relay));
}

grpc::Status Service::HealthCheck(grpc::ServerContext* context, const v1::HealthCheckReq* request, v1::HealthCheckResp* response) {
    return serve(*context, "health check", [&](RequestContext& ctx, pipeline::Profile* profile) {
        v1::HealthCheckReq req = *request;
        run_health_check(ctx, req, *response, profile);
    });
}

grpc::Status Service::Dump(grpc::ServerContext* context, const v1::DumpReq* request, v1::DumpResp* response) {
    return serve(*context, "dump", [&](RequestContext& ctx, pipeline::Profile* profile) {
        v1::DumpReq req = *request;
        run_dump(ctx, req, *response, profile);
        spdlog::info("dumped {} {} to {}", req.type(), req.pid(), response->path());
    });
}

grpc::Status Service::Restore(grpc::ServerContext* context, const v1::RestoreReq* request, v1::RestoreResp* response) {
    return serve(*context, "restore", [&](RequestContext& ctx, pipeline::Profile* profile) {
        v1::RestoreReq req = *request;
        run_restore(ctx, req, *response, profile);
        spdlog::info("restored {} from {} as PID {}", req.type(), req.path(), response->pid());
    });
}

// The job, freeze and query requests need nothing but their route: one template for all.
template <typename Req, typename Resp, typename Route>
grpc::Status Service::serve_route(grpc::ServerContext& context, const char* what, const Req& request, Resp& response, Route route) {
    return serve(context, what, [&](RequestContext& ctx, pipeline::Profile* profile) {
        Req req = request;
        route(ctx, req, response, profile);
    });
}

grpc::Status Service::Run(grpc::ServerContext* c, const v1::RunReq* q, v1::RunResp* r) { return serve_route(*c, "run", *q, *r, run_job); }
grpc::Status Service::Manage(grpc::ServerContext* c, const v1::ManageReq* q, v1::ManageResp* r) {
    return serve_route(*c, "manage", *q, *r, manage_job);
}
grpc::Status Service::ListJobs(grpc::ServerContext* c, const v1::ListJobsReq* q, v1::ListJobsResp* r) {
    return serve_route(*c, "list jobs", *q, *r, list_jobs);
}
grpc::Status Service::KillJobs(grpc::ServerContext* c, const v1::KillJobsReq* q, v1::KillJobsResp* r) {
    return serve_route(*c, "kill jobs", *q, *r, kill_jobs);
}
grpc::Status Service::DeleteJobs(grpc::ServerContext* c, const v1::DeleteJobsReq* q, v1::DeleteJobsResp* r) {
    return serve_route(*c, "delete jobs", *q, *r, delete_jobs);
}
grpc::Status Service::Freeze(grpc::ServerContext* c, const v1::FreezeReq* q, v1::FreezeResp* r) {
    return serve_route(*c, "freeze", *q, *r, run_freeze);
}
grpc::Status Service::Unfreeze(grpc::ServerContext* c, const v1::FreezeReq* q, v1::FreezeResp* r) {
    return serve_route(*c, "unfreeze", *q, *r, run_unfreeze);
}
grpc::Status Service::Query(grpc::ServerContext* c, const v1::QueryReq* q, v1::QueryResp* r) {
    return serve_route(*c, "query", *q, *r, run_query);
}
grpc::Status Service::ListCheckpoints(grpc::ServerContext* c, const v1::ListCheckpointsReq* q, v1::ListCheckpointsResp* r) {
    return serve_route(*c, "list checkpoints", *q, *r, list_checkpoints);
}

grpc::Status Service::Migrate(grpc::ServerContext* c, const v1::MigrateReq* q, v1::MigrateResp* r) {
    return serve_route(*c, "migrate", *q, *r, migrate_job);
}

grpc::Status Service::ReceiveJob(grpc::ServerContext* context, grpc::ServerReader<v1::ReceiveJobReq>* reader, v1::ReceiveJobResp* response) {
    return serve(*context, "receive job", [&](RequestContext& ctx, pipeline::Profile*) {
        receive_job(ctx, [reader](v1::ReceiveJobReq& msg) { return reader->Read(&msg); }, *response);
    });
}

grpc::Status Service::Progress(grpc::ServerContext* context, const v1::ProgressReq* request, v1::ProgressResp* response) {
    return serve(*context, "progress", [&](RequestContext&, pipeline::Profile*) {
        std::shared_ptr<util::TransferProgress> transfer;
        {
            const std::lock_guard lock(transfers_mutex_);
            const auto it = transfers_.find(request->request_id());
            if (it != transfers_.end()) transfer = it->second;
        }
        if (!transfer) return;
        const auto now = transfer->snapshot();
        response->set_active(now.active);
        response->set_what(now.what);
        response->set_done(now.done);
        response->set_total(now.total);
        response->set_elapsed_ms(now.elapsed_ms);
    });
}

}  // namespace cedana::daemon
