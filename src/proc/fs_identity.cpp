#include "proc/fs_identity.hpp"

#include <sys/fsuid.h>

#include "util/error.hpp"

namespace cedana::proc {

namespace {

// setfsuid/setfsgid report the previous value, never an error: asking again for the value
// just set tells whether it took.
void check_fsuid(uid_t want) {
    if (static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))) != want) {
        fail(ErrorKind::internal, "cannot act as uid {} on files", want);
    }
}

void check_fsgid(gid_t want) {
    if (static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))) != want) {
        fail(ErrorKind::internal, "cannot act as gid {} on files", want);
    }
}

}  // namespace

// The group first: once the fsuid is not root, changing the fsgid is no longer allowed.
FsIdentity::FsIdentity(uid_t uid, gid_t gid)
    : old_uid_(static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1)))), old_gid_(static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1)))) {
    ::setfsgid(gid);
    check_fsgid(gid);
    ::setfsuid(uid);
    check_fsuid(uid);
}

FsIdentity::~FsIdentity() {
    ::setfsuid(old_uid_);
    ::setfsgid(old_gid_);
}

}  // namespace cedana::proc
