#pragma once
// Managed jobs: run, manage, list, kill, delete and their checkpoints. Each request is a
// short chain (request-config → validate → handler) over the job database; run and manage
// take their handler from the job type's plugin (daemon/kinds.hpp).

#include <optional>
#include <string>

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "jobs/remote_identity.hpp"
#include "jobs/store.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

void run_job(RequestContext& ctx, v1::RunReq& req, v1::RunResp& resp, pipeline::Profile* profile);
void manage_job(RequestContext& ctx, v1::ManageReq& req, v1::ManageResp& resp, pipeline::Profile* profile);
void list_jobs(RequestContext& ctx, v1::ListJobsReq& req, v1::ListJobsResp& resp, pipeline::Profile* profile);
void kill_jobs(RequestContext& ctx, v1::KillJobsReq& req, v1::KillJobsResp& resp, pipeline::Profile* profile);
void delete_jobs(RequestContext& ctx, v1::DeleteJobsReq& req, v1::DeleteJobsResp& resp, pipeline::Profile* profile);
void list_checkpoints(RequestContext& ctx, v1::ListCheckpointsReq& req, v1::ListCheckpointsResp& resp, pipeline::Profile* profile);

// For the plugins' run and manage steps (daemon/kinds.hpp).
// The job database; throws cedana::Error(unimplemented) inside the CLI, which has none.
jobs::Store& store_of(const RequestContext& ctx);
// Whether the job's process still runs (neither gone nor a zombie).
bool job_running(const jobs::Job& job);
// Refuses a --jid that is malformed or taken; an empty one passes (new_jid makes one).
void check_new_jid(jobs::Store& store, const std::string& jid);
std::string new_jid(jobs::Store& store);
// The job a request of type "job" names ("dump job JID"), looked up once: its type chooses
// the chain, and the chain's resolve-job step takes it from there. nullopt for other types.
// Throws cedana::Error naming `what` when there is no such job or no job database.
std::optional<jobs::Job> requested_job(const RequestContext& ctx, const std::string& type, const std::string& jid, const char* what);
// Whom a job started by this request runs as (root with `as_root`, for root callers only).
jobs::Identity job_identity(const RequestContext& ctx, bool as_root);

// The API's view of a stored checkpoint.
v1::CheckpointInfo to_proto(const jobs::Checkpoint& c);

}  // namespace cedana::daemon
