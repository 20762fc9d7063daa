#pragma once
// The tables of `cedana ps` and `cedana job checkpoints`, and `job inspect`'s text.

#include <string>

#include "cedana/daemon/v1/daemon.pb.h"

namespace cedana::cli {

// JOB TYPE PID STATUS GPU CHECKPOINT SIZE LOG, one row per job.
std::string format_jobs(const cedana::daemon::v1::ListJobsResp& jobs, std::int64_t now_unix);
// ID TIME SIZE PATH, newest first.
std::string format_checkpoints(const cedana::daemon::v1::ListCheckpointsResp& checkpoints);
// Everything about one job, with its checkpoints.
std::string format_job(const cedana::daemon::v1::JobInfo& job, const cedana::daemon::v1::ListCheckpointsResp& checkpoints,
                       std::int64_t now_unix);

}  // namespace cedana::cli
