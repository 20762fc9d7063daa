#pragma once
// containerd's gRPC API on its UNIX socket, in one namespace: every call carries the
// `containerd-namespace` header, has a deadline, and fails as cedana::Error with what went
// wrong in words (containerd not running at its address, no such container).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "github.com/containerd/containerd/api/services/containers/v1/containers.pb.h"
#include "github.com/containerd/containerd/api/types/task/task.pb.h"

namespace grpc {
class Channel;
}

namespace cedana::plugins::containerd {

using ContainerRecord = ::containerd::services::containers::v1::Container;
using TaskProcess = ::containerd::v1::types::Process;

struct ServerVersion {
    std::string version;
    std::string revision;
};

class Client {
public:
    Client(std::string address, std::string ns);

    const std::string& address() const { return address_; }
    const std::string& ns() const { return ns_; }

    ServerVersion version();
    // Whether the namespace exists (containerd makes it on first use).
    bool namespace_exists();

    std::optional<ContainerRecord> find_container(const std::string& id);
    // find_container, or cedana::Error(not_found) naming the container and the namespace.
    ContainerRecord container(const std::string& id);
    // The container's task (its init), or nullopt when it has none.
    std::optional<TaskProcess> find_task(const std::string& id);
    std::vector<int> task_pids(const std::string& id);
    void pause(const std::string& id);
    void resume(const std::string& id);

private:
    std::string address_;
    std::string ns_;
    std::shared_ptr<grpc::Channel> channel_;
};

// "running", "paused", "stopped", "created", "pausing" or "unknown", as `ctr task ls` says.
std::string status_name(int status);

}  // namespace cedana::plugins::containerd
