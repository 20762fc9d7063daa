#pragma once
// Whom a job started over TCP or VSOCK runs as. Those transports carry no credentials the
// daemon could check, and the uid a request claims is the caller's to choose, so remote
// jobs run as the identity the daemon's own configuration names (connection.remote_uid,
// connection.remote_gid), never as one the request names, and never as root unless that
// configuration says so.

#include <sys/types.h>

#include <vector>

namespace cedana::jobs {

struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
};

// `gid` < 0 takes the user's primary group from the user database; the supplementary groups
// are the user's there (none for a uid it does not list). Throws cedana::Error
// (permission_denied) saying what to configure when `uid` < 0, or when `gid` < 0 and the
// user database does not know `uid`.
Identity remote_identity(int uid, int gid);

}  // namespace cedana::jobs
