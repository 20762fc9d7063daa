#pragma once
// Managed jobs: run, manage, list, kill, delete and their checkpoints. Each request is a
// short chain (request-config → validate → handler) over the job database.

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

namespace v1 = cedana::daemon::v1;

void run_job(RequestContext& ctx, v1::RunReq& req, v1::RunResp& resp, pipeline::Profile* profile);
void manage_job(RequestContext& ctx, v1::ManageReq& req, v1::ManageResp& resp, pipeline::Profile* profile);
void list_jobs(RequestContext& ctx, v1::ListJobsReq& req, v1::ListJobsResp& resp, pipeline::Profile* profile);
void kill_jobs(RequestContext& ctx, v1::KillJobsReq& req, v1::KillJobsResp& resp, pipeline::Profile* profile);
void delete_jobs(RequestContext& ctx, v1::DeleteJobsReq& req, v1::DeleteJobsResp& resp, pipeline::Profile* profile);
void list_checkpoints(RequestContext& ctx, v1::ListCheckpointsReq& req, v1::ListCheckpointsResp& resp, pipeline::Profile* profile);

// The API's view of a stored checkpoint.
v1::CheckpointInfo to_proto(const jobs::Checkpoint& c);

}  // namespace cedana::daemon
