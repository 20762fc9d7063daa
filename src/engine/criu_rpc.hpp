#pragma once
// One CRIU operation over its RPC protocol: `criu swrk <fd>` on a SOCK_SEQPACKET socketpair,
// one criu_req, then criu_resp messages until the final one, answering notify messages
// (pre-dump, post-dump, pre-restore, post-restore, network-lock, …) on the way.

#include <functional>
#include <string>
#include <vector>

#include "criu/rpc.pb.h"
#include "util/unique_fd.hpp"

namespace cedana::engine {

// A descriptor the restored process gets instead of the file CRIU knows by `key`
// (CRIU's inherit_fd: "pipe:[1234]", "tty[8800:16]", a path without its leading slash).
struct InheritFd {
    std::string key;
    int fd = -1;  // in this process; handed to CRIU when it starts
};

// One notify message: its script name ("post-dump", …), its PID, and the descriptor CRIU sent
// with it, if any (orphan-pts-master: the master of a terminal it made anew), which the
// callee may take.
struct Notification {
    std::string script;
    int pid = 0;
    util::UniqueFd fd;
};

// Called for each notify message; throwing makes CRIU abort the operation, and run_criu
// rethrows it once CRIU has finished.
using NotifyFn = std::function<void(Notification&)>;

// Runs `req` to completion with the CRIU at `binary` and returns the final response,
// successful or not. Throws cedana::Error when CRIU cannot be started or the conversation
// breaks off (CRIU crashed).
criu_resp run_criu(const std::string& binary, criu_req req, const std::vector<InheritFd>& inherit = {},
                   const NotifyFn& notify = {});

// How CRIU is started. A shell job's terminal is restored from CRIU's own stdin, which must
// be its controlling terminal: either the caller's own terminal (stdin_fd), or a session
// holder (launcher, see proc/session_holder.hpp) that owns a stand-in terminal and starts
// CRIU inside its session. The holder outlives CRIU, as the restored process's parent; its
// PID is returned in launcher_pid and the caller reaps it.
//
// cgroupns_fd, when set, is the cgroup namespace CRIU starts in (and the restored tasks with
// it): a container's that shares it with another by path, which CRIU can neither dump as
// external nor join.
//
// started, when set, is told CRIU's PID once it runs (not when a launcher starts it).
struct CriuLaunch {
    int stdin_fd = -1;
    std::vector<std::string> launcher;
    int launcher_pid = -1;
    int cgroupns_fd = -1;
    std::function<void(int pid)> started;
};

criu_resp run_criu(const std::string& binary, criu_req req, const std::vector<InheritFd>& inherit, const NotifyFn& notify,
                   CriuLaunch& launch);

}  // namespace cedana::engine
