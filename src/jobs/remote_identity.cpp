#include "jobs/remote_identity.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "util/error.hpp"

namespace cedana::jobs {

Identity remote_identity(int uid, int gid) {
    if (uid < 0) {
        fail(ErrorKind::permission_denied,
             "run over tcp or vsock runs the job as the daemon's connection.remote_uid, and none is set (a remote caller's own "
             "identity cannot be checked): set it, and connection.remote_gid, where the daemon starts, e.g. "
             "CEDANA_CONNECTION_REMOTE_UID=1000 CEDANA_CONNECTION_REMOTE_GID=1000");
    }
    Identity id;
    id.uid = static_cast<uid_t>(uid);
    long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
    std::string buffer(static_cast<std::size_t>(size > 0 ? size : 16384), '\0');
    passwd entry{};
    passwd* found = nullptr;
    // Not being listed is no error (0, or ENOENT/ESRCH by some C libraries); anything else is.
    if (const int rc = ::getpwuid_r(id.uid, &entry, buffer.data(), buffer.size(), &found); rc != 0 && rc != ENOENT && rc != ESRCH) {
        fail(ErrorKind::internal, "cannot look up uid {} in the user database: {}", uid, std::strerror(rc));
    }
    if (gid >= 0) {
        id.gid = static_cast<gid_t>(gid);
    } else if (found != nullptr) {
        id.gid = found->pw_gid;
    } else {
        fail(ErrorKind::permission_denied,
             "connection.remote_uid {} is in no user database entry, so it has no primary group: set connection.remote_gid too", uid);
    }
    if (found == nullptr) return id;
    int count = 32;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    while (::getgrouplist(found->pw_name, id.gid, groups.data(), &count) < 0) groups.resize(static_cast<std::size_t>(count));
    groups.resize(static_cast<std::size_t>(count));
    id.groups = std::move(groups);
    return id;
}

}  // namespace cedana::jobs
