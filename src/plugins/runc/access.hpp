#pragma once
// Who may act on runc containers through the daemon. A container runs as whatever its
// bundle says, root by default, so starting, restoring or adopting one is root's business:
// a UNIX caller must be root, and a remote caller (TCP, VSOCK) is let through only when the
// daemon's connection.remote_uid is 0. The CLI's --no-server forms act with the caller's own
// rights and pass.

#include "daemon/request_context.hpp"

namespace cedana::plugins::runc {

// Throws cedana::Error(permission_denied) naming `what` ("run runc").
void require_root_caller(const daemon::RequestContext& ctx, const char* what);

// The step form, for every runc chain.
template <typename Ctx, typename Req, typename Resp, typename Next>
void root_caller(Ctx& ctx, Req& req, Resp& resp, const Next& next) {
    require_root_caller(ctx, "runc containers");
    next(ctx, req, resp);
}

}  // namespace cedana::plugins::runc
