#include "plugins/runc/access.hpp"

#include "transport/peer_credentials.hpp"
#include "util/error.hpp"

namespace cedana::plugins::runc {

void require_root_caller(const daemon::RequestContext& ctx, const char* what) {
    if (ctx.peer.empty()) return;
    const auto caller = transport::peer_credentials(ctx.peer);
    if (caller && caller->uid != 0) {
        fail(ErrorKind::permission_denied, "{} run as root: only root may use them through the daemon (you are uid {})", what, caller->uid);
    }
    if (!caller && ctx.config.connection.remote_uid != 0) {
        fail(ErrorKind::permission_denied,
             "{} run as root: a remote caller may use them only when the daemon's connection.remote_uid is 0", what);
    }
}

}  // namespace cedana::plugins::runc
