#pragma once
// `cedana migrate job JID --to ADDRESS`: the job is dumped here (the dump route, streamed),
// its checkpoint sent to the daemon at ADDRESS over that daemon's own API (ReceiveJob: the
// job's record, then the files), and restored there by its restore route under the same
// job id. Here the job is then marked migrated. When anything fails after the dump, the
// target removes what it received and the job is restored here from the checkpoint, so it
// runs on as before; nothing of it stays there.

#include <functional>

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "pipeline/profile.hpp"

namespace cedana::daemon {

// The daemon the job leaves.
void migrate_job(RequestContext& ctx, v1::MigrateReq& req, v1::MigrateResp& resp, pipeline::Profile* profile);

// The daemon the job comes to: `read` gives the stream's next message, false at its end.
void receive_job(RequestContext& ctx, const std::function<bool(v1::ReceiveJobReq&)>& read, v1::ReceiveJobResp& resp);

}  // namespace cedana::daemon
