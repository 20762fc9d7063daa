#pragma once
// What the steps of one restore share: the core's (the opened and verified checkpoint) and
// those a workload's plugin adds (kinds.hpp): the stdio replacements and terminal handed
// to CRIU.

#include <any>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/io_hub.hpp"
#include "daemon/request_context.hpp"
#include "daemon/work_journal.hpp"
#include "engine/criu_rpc.hpp"
#include "images/metadata.hpp"
#include "images/opened_checkpoint.hpp"
#include "jobs/store.hpp"
#include "pipeline/chain.hpp"
#include "proc/tty_relay.hpp"
#include "util/unique_fd.hpp"

namespace cedana::daemon {

struct RestoreState {
    std::filesystem::path images;
    std::optional<images::OpenedCheckpoint> checkpoint;
    std::optional<images::Metadata> meta;
    // The memory images' check, running beside CRIU (see verify); declared after the
    // checkpoint so that it is waited for before an extracted archive is removed.
    std::future<void> memory_check;
    std::vector<util::UniqueFd> replacements;
    std::vector<engine::InheritFd> inherit;
    // How CRIU starts: a shell job's terminal as its stdin (see proc/tty_relay.hpp), the
    // cgroup namespace it runs in.
    engine::CriuLaunch launch;
    // --attach/--attachable: the pipes the restored job writes to and reads from.
    std::shared_ptr<IoHub> hub;
    IoHub::ChildEnds hub_ends;
    std::optional<proc::Pty> pty;
    util::UniqueFd pty_out;
    std::optional<jobs::Job> job;  // `restore job`: the job, as the route found it
    // `restore job` without --out: req.out() is the job's log, which a workload whose output
    // is not ours to log (a container on its terminal) may drop.
    bool out_from_job = false;
    // What the workload's plugin prepared in its steps for its handler (a bundle).
    std::any target;
    // What the workload's plugin wants to hear from CRIU while it restores (a container's new
    // terminal, which comes with orphan-pts-master); set, it turns CRIU's notifications on.
    engine::NotifyFn notify;
    // `restore job` with a job database: where CRIU and the restored root are written down
    // for a successor, should the daemon die before the job is told of its new process.
    RestoreJournal* journal = nullptr;
};

struct RestoreCtx : RequestContext {
    RestoreState restore;
};

using RestoreChain = pipeline::Chain<RestoreCtx, cedana::daemon::v1::RestoreReq, cedana::daemon::v1::RestoreResp>;

}  // namespace cedana::daemon
