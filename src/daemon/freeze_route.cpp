#include "daemon/freeze_route.hpp"

#include <string>

#include "daemon/adapters.hpp"
#include "daemon/chain_cache.hpp"
#include "daemon/job_routes.hpp"
#include "daemon/kinds.hpp"

namespace cedana::daemon {

namespace {

// `freeze job JID`: the job's type and process decide what is frozen.
void resolve_job(RequestContext& ctx, v1::FreezeReq& req, const char* what) {
    if (const auto job = requested_job(ctx, req.type(), req.jid(), what)) {
        req.set_type(job->type);
        req.set_pid(job->pid);
        for (const auto& [key, value] : job->details) req.mutable_details()->insert({key, value});
    }
}

template <typename Chain, typename K>
Chain build(const K& kind) {
    Chain built;
    built.use("request-config", "daemon", adapters::request_config).use("plugin", "daemon", adapters::require_plugin(kind.plugin));
    for (const auto& step : kind.steps) built.use(step.name, step.component, step.fn);
    built.handle(kind.handler.name, kind.handler.component, kind.handler.fn);
    return built;
}

}  // namespace

void run_freeze(RequestContext& ctx, v1::FreezeReq& req, v1::FreezeResp& resp, pipeline::Profile* profile) {
    resolve_job(ctx, req, "freeze");
    cached_chain<FreezeChain>(req.type(), [&req] { return build<FreezeChain>(freeze_kind(req.type())); }).run(ctx, req, resp, profile);
}

void run_unfreeze(RequestContext& ctx, v1::FreezeReq& req, v1::FreezeResp& resp, pipeline::Profile* profile) {
    resolve_job(ctx, req, "unfreeze");
    cached_chain<FreezeChain>(req.type(), [&req] { return build<FreezeChain>(unfreeze_kind(req.type())); })
        .run(ctx, req, resp, profile);
}

void run_query(RequestContext& ctx, v1::QueryReq& req, v1::QueryResp& resp, pipeline::Profile* profile) {
    cached_chain<QueryChain>(req.type(), [&req] { return build<QueryChain>(query_kind(req.type())); }).run(ctx, req, resp, profile);
}

}  // namespace cedana::daemon
