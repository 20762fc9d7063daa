#pragma once
// The stdio of a containerd task whose output the daemon keeps (--attach, --attachable):
// FIFOs that the task's shim opens, in a scratch directory of their own, and an IoHub over
// the daemon's ends of them. The daemon opens its ends first, read-write for now, so that
// neither side's open waits for the other; once the shim holds its own (the task is started:
// a restored task's shim opens them only then) those stand-ins close, and the hub sees end
// of file when the shim closes the task's output. Until the hub reads, the FIFOs hold what the
// task writes. The shim reaps the task, so the hub asks containerd for its exit status.

#include <memory>
#include <string>

#include "daemon/io_hub.hpp"
#include "plugins/containerd/client.hpp"
#include "util/scratch_dir.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::containerd {

// --out of an attachable task, opened for appending before anything is made (empty: none).
util::UniqueFd open_output(const std::string& path);

class AttachableIo {
public:
    AttachableIo();

    // What the task is created with.
    [[nodiscard]] TaskIo io() const;

    // Once the task is started as `pid`: the hub over the daemon's ends, copying output into
    // `log` (may be empty), which learns the exit of container `id`'s task from containerd
    // and reports it through `job_ended` (RequestContext::job_ended; may be unset).
    std::shared_ptr<daemon::IoHub> hub(util::UniqueFd log, const Client& client, const std::string& id, int pid,
                                       std::function<void(int pid, int code)> job_ended);

private:
    util::ScratchDir dir_;
    util::UniqueFd stdin_;
    util::UniqueFd stdout_;
    util::UniqueFd stderr_;
    // The stand-in writers that let the shim's opens through.
    util::UniqueFd stdout_held_;
    util::UniqueFd stderr_held_;
};

}  // namespace cedana::plugins::containerd
