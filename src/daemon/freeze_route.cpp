#include "daemon/freeze_route.hpp"

#include <string>
#include <type_traits>

#include "daemon/adapters.hpp"
#include "daemon/chain_cache.hpp"
#include "daemon/job_routes.hpp"
#include "daemon/kinds.hpp"
#include "util/error.hpp"

namespace cedana::daemon {

namespace v1 = cedana::daemon::v1;

namespace {

// `freeze job JID`: the job's type and target decide what is frozen.
void resolve_job(RequestContext& ctx, v1::FreezeReq& req, v1::FreezeResp& resp, const FreezeChain::Next& next) {
    if (req.type() == "job") {
        const auto job = store_of(ctx).job(req.jid());
        if (!job) fail(ErrorKind::not_found, "no job {} (cedana ps lists them)", req.jid());
        req.set_type(job->type);
        req.set_pid(job->pid);
    }
    next(ctx, req, resp);
}

template <typename Chain, typename K>
Chain build(const K& kind) {
    Chain built;
    built.use("request-config", "daemon", adapters::request_config).use("plugin", "daemon", adapters::require_plugin(kind.plugin));
    if constexpr (std::is_same_v<Chain, FreezeChain>) built.use("resolve-job", "jobs", resolve_job);
    for (const auto& step : kind.steps) built.use(step.name, step.component, step.fn);
    built.handle(kind.handler.name, kind.handler.component, kind.handler.fn);
    return built;
}

}  // namespace

void run_freeze(RequestContext& ctx, v1::FreezeReq& req, v1::FreezeResp& resp, pipeline::Profile* profile) {
    const std::string type = workload_type(ctx, req.type(), req.jid(), "freeze");
    cached_chain<FreezeChain>(type, [&type] { return build<FreezeChain>(freeze_kind(type)); }).run(ctx, req, resp, profile);
}

void run_unfreeze(RequestContext& ctx, v1::FreezeReq& req, v1::FreezeResp& resp, pipeline::Profile* profile) {
    const std::string type = workload_type(ctx, req.type(), req.jid(), "unfreeze");
    cached_chain<FreezeChain>(type, [&type] { return build<FreezeChain>(unfreeze_kind(type)); }).run(ctx, req, resp, profile);
}

void run_query(RequestContext& ctx, v1::QueryReq& req, v1::QueryResp& resp, pipeline::Profile* profile) {
    cached_chain<QueryChain>(req.type(), [&req] { return build<QueryChain>(query_kind(req.type())); }).run(ctx, req, resp, profile);
}

}  // namespace cedana::daemon
