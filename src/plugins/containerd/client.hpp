#pragma once
// containerd's gRPC API on its UNIX socket, in one namespace: every call carries the
// `containerd-namespace` header (and the lease, while one is held), has a deadline, and fails
// as cedana::Error with what went wrong in words (containerd not running at its address, no
// such container). Images and snapshots live in image.hpp and snapshots.hpp.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "github.com/containerd/containerd/api/services/containers/v1/containers.pb.h"
#include "github.com/containerd/containerd/api/types/mount.pb.h"
#include "github.com/containerd/containerd/api/types/task/task.pb.h"
#include "plugins/containerd/settings.hpp"

namespace grpc {
class Channel;
}

namespace cedana::plugins::containerd {

using ContainerRecord = ::containerd::services::containers::v1::Container;
using TaskProcess = ::containerd::v1::types::Process;
using Mount = ::containerd::types::Mount;

struct ServerVersion {
    std::string version;
    std::string revision;
};

// Where a task's stdin, stdout and stderr go: paths of FIFOs, or URIs the shim opens itself
// (file:///var/log/x.log: the shim copies the task's pipes to the file).
struct TaskIo {
    std::string stdin_path;
    std::string stdout_path;
    std::string stderr_path;
};

class Client {
public:
    Client(std::string address, std::string ns);

    const std::string& address() const { return address_; }
    const std::string& ns() const { return ns_; }
    const std::string& lease() const { return lease_; }
    void set_lease(std::string lease) { lease_ = std::move(lease); }
    const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

    ServerVersion version();
    // Whether the namespace exists (containerd makes it on first use).
    bool namespace_exists();

    std::optional<ContainerRecord> find_container(const std::string& id);
    // find_container, or cedana::Error(not_found) naming the container and the namespace.
    ContainerRecord container(const std::string& id);
    void create_container(const ContainerRecord& record);
    void delete_container(const std::string& id);

    // The container's task (its init), or nullopt when it has none.
    std::optional<TaskProcess> find_task(const std::string& id);
    std::vector<int> task_pids(const std::string& id);
    // Creates the task on `rootfs`; `options` (runc's Options, packed) may name a checkpoint
    // to restore from when it starts. Returns the PID containerd reports.
    int create_task(const std::string& id, const std::vector<Mount>& rootfs, const TaskIo& io, const std::string* runc_options);
    int start_task(const std::string& id);
    void kill_task(const std::string& id, int signal);
    // Deletes a stopped task; returns its exit status.
    int delete_task(const std::string& id);
    // Kills the task (all its processes), waits a while for it to stop, and deletes it; a
    // container without a task is no error.
    void remove_task(const std::string& id);
    // The exit code of the container's task once it has exited (128 + the signal that ended
    // it); nullopt while it runs on after a short wait. A task that is gone was killed
    // (a dump's end, ctr task rm -f): 128 + SIGKILL.
    std::optional<int> wait_task(const std::string& id);
    void pause(const std::string& id);
    void resume(const std::string& id);

private:
    std::string address_;
    std::string ns_;
    std::string lease_;
    std::shared_ptr<grpc::Channel> channel_;
};

// A client for the containerd of the configuration, in the namespace the request names.
Client client_for(const config::Config& config, const Details& details);

// "running", "paused", "stopped", "created", "pausing" or "unknown", as `ctr task ls` says.
std::string status_name(int status);

}  // namespace cedana::plugins::containerd
