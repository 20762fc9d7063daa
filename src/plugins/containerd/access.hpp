#pragma once
// Who may act on containerd's containers through the daemon: containerd's socket is root's,
// so acting on its containers is too, as for runc's (plugins/runc/access.hpp). The step
// form, for every containerd chain.

#include "daemon/request_context.hpp"
#include "plugins/runc/access.hpp"

namespace cedana::plugins::containerd {

template <typename Req, typename Resp, typename Next>
void root_only(daemon::RequestContext& c, Req& req, Resp& resp, const Next& next) {
    runc::require_root_caller(c, "containerd containers");
    next(c, req, resp);
}

}  // namespace cedana::plugins::containerd
