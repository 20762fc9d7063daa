#pragma once
// Makes the calling thread touch files as another user. The daemon runs as root; a job's
// log that a caller names must be created with that caller's rights (and belong to them),
// not root's, or any caller could have root append to any file. setfsuid/setfsgid are
// per-thread in the kernel (glibc does not spread them across threads as it does setuid),
// so the other requests the daemon serves meanwhile keep root's rights (a thread started
// inside the scope would inherit the caller's: keep the scope to the file calls). Supplementary
// groups cannot be set per thread and are left out: access through them is refused.

#include <sys/types.h>

namespace cedana::proc {

class FsIdentity {
public:
    FsIdentity(uid_t uid, gid_t gid);
    ~FsIdentity();
    FsIdentity(const FsIdentity&) = delete;
    FsIdentity& operator=(const FsIdentity&) = delete;

private:
    void restore() const;

    uid_t old_uid_;
    gid_t old_gid_;
};

}  // namespace cedana::proc
