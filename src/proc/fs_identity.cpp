#include "proc/fs_identity.hpp"

#include <sys/fsuid.h>

#include "util/error.hpp"

namespace cedana::proc {

namespace {

// setfsuid/setfsgid report the previous value, never an error; asking with an invalid id
// (-1) changes nothing and tells the current one.
uid_t current_fsuid() { return static_cast<uid_t>(::setfsuid(static_cast<uid_t>(-1))); }
gid_t current_fsgid() { return static_cast<gid_t>(::setfsgid(static_cast<gid_t>(-1))); }

}  // namespace

// Group first, then user, and back in the reverse order: the fsuid switch drops the file
// capabilities (CAP_DAC_OVERRIDE and kin) for as long as it lasts.
FsIdentity::FsIdentity(uid_t uid, gid_t gid) : old_uid_(current_fsuid()), old_gid_(current_fsgid()) {
    ::setfsgid(gid);
    ::setfsuid(uid);
    if (current_fsgid() != gid || current_fsuid() != uid) {
        restore();
        fail(ErrorKind::internal, "cannot act as uid {} gid {} on files", uid, gid);
    }
}

FsIdentity::~FsIdentity() { restore(); }

void FsIdentity::restore() const {
    ::setfsuid(old_uid_);
    ::setfsgid(old_gid_);
}

}  // namespace cedana::proc
