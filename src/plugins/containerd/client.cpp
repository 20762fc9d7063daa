#include "plugins/containerd/client.hpp"

#include <grpcpp/grpcpp.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cctype>

#include "github.com/containerd/containerd/api/services/containers/v1/containers.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/namespaces/v1/namespace.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/tasks/v1/tasks.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/version/v1/version.grpc.pb.h"
#include "plugins/containerd/call.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace containers = ::containerd::services::containers::v1;
namespace namespaces = ::containerd::services::namespaces::v1;
namespace tasks = ::containerd::services::tasks::v1;
namespace version = ::containerd::services::version::v1;

Call::Call(const Client& client, std::chrono::seconds deadline) {
    context.AddMetadata("containerd-namespace", client.ns());
    if (!client.lease().empty()) context.AddMetadata("containerd-lease", client.lease());
    context.set_deadline(std::chrono::system_clock::now() + deadline);
}

void failed(const Client& client, const grpc::Status& status, const std::string& what) {
    switch (status.error_code()) {
        case grpc::StatusCode::UNAVAILABLE:
            fail(ErrorKind::failed_precondition, "containerd is not reachable at {} ({}): start containerd, or point containerd.address "
                 "(CEDANA_CONTAINERD_ADDRESS) at its socket", client.address(), status.error_message());
        case grpc::StatusCode::DEADLINE_EXCEEDED:
            fail(ErrorKind::failed_precondition, "containerd at {} did not answer in time ({}): {}", client.address(), what, status.error_message());
        case grpc::StatusCode::NOT_FOUND:
            fail(ErrorKind::not_found, "containerd, namespace {}: {}: {}", client.ns(), what, status.error_message());
        case grpc::StatusCode::ALREADY_EXISTS:
        case grpc::StatusCode::FAILED_PRECONDITION:
            fail(ErrorKind::failed_precondition, "containerd, namespace {}: {}: {}", client.ns(), what, status.error_message());
        default:
            fail(ErrorKind::internal, "containerd, namespace {}: {}: {}", client.ns(), what, status.error_message());
    }
}

Client::Client(std::string address, std::string ns)
    : address_(std::move(address)), ns_(std::move(ns)), channel_(grpc::CreateChannel("unix://" + address_, grpc::InsecureChannelCredentials())) {}

ServerVersion Client::version() {
    Call call(*this);
    version::VersionResponse resp;
    const auto status = version::Version::NewStub(channel_)->Version(&call.context, {}, &resp);
    if (!status.ok()) failed(*this, status, "version");
    return {resp.version(), resp.revision()};
}

bool Client::namespace_exists() {
    Call call(*this);
    namespaces::GetNamespaceRequest req;
    req.set_name(ns_);
    namespaces::GetNamespaceResponse resp;
    const auto status = namespaces::Namespaces::NewStub(channel_)->Get(&call.context, req, &resp);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
    if (!status.ok()) failed(*this, status, "namespace " + ns_);
    return true;
}

std::optional<ContainerRecord> Client::find_container(const std::string& id) {
    Call call(*this);
    containers::GetContainerRequest req;
    req.set_id(id);
    containers::GetContainerResponse resp;
    const auto status = containers::Containers::NewStub(channel_)->Get(&call.context, req, &resp);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
    if (!status.ok()) failed(*this, status, "container " + id);
    return resp.container();
}

ContainerRecord Client::container(const std::string& id) {
    auto found = find_container(id);
    if (!found) fail(ErrorKind::not_found, "no containerd container {} in namespace {} (see `ctr -n {} containers ls`)", id, ns_, ns_);
    return *found;
}

void Client::create_container(const ContainerRecord& record) {
    Call call(*this);
    containers::CreateContainerRequest req;
    *req.mutable_container() = record;
    containers::CreateContainerResponse resp;
    const auto status = containers::Containers::NewStub(channel_)->Create(&call.context, req, &resp);
    if (!status.ok()) failed(*this, status, "create container " + record.id());
}

void Client::delete_container(const std::string& id) {
    Call call(*this);
    containers::DeleteContainerRequest req;
    req.set_id(id);
    google::protobuf::Empty resp;
    const auto status = containers::Containers::NewStub(channel_)->Delete(&call.context, req, &resp);
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) failed(*this, status, "delete container " + id);
}

int Client::create_task(const std::string& id, const std::vector<Mount>& rootfs, const TaskIo& io, const std::string* runc_options) {
    Call call(*this, kTaskDeadline);
    tasks::CreateTaskRequest req;
    req.set_container_id(id);
    for (const auto& m : rootfs) *req.add_rootfs() = m;
    req.set_stdin(io.stdin_path);
    req.set_stdout(io.stdout_path);
    req.set_stderr(io.stderr_path);
    if (runc_options != nullptr) {
        req.mutable_options()->set_type_url("containerd.runc.v1.Options");
        req.mutable_options()->set_value(*runc_options);
    }
    tasks::CreateTaskResponse resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Create(&call.context, req, &resp);
    if (!status.ok()) failed(*this, status, "create the task of container " + id);
    return static_cast<int>(resp.pid());
}

int Client::start_task(const std::string& id) {
    Call call(*this, kTaskDeadline);
    tasks::StartRequest req;
    req.set_container_id(id);
    tasks::StartResponse resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Start(&call.context, req, &resp);
    if (!status.ok()) failed(*this, status, "start the task of container " + id);
    return static_cast<int>(resp.pid());
}

void Client::kill_task(const std::string& id, int signal) {
    Call call(*this);
    tasks::KillRequest req;
    req.set_container_id(id);
    req.set_signal(static_cast<std::uint32_t>(signal));
    req.set_all(true);
    google::protobuf::Empty resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Kill(&call.context, req, &resp);
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) failed(*this, status, "kill the task of container " + id);
}

int Client::delete_task(const std::string& id) {
    Call call(*this);
    tasks::DeleteTaskRequest req;
    req.set_container_id(id);
    tasks::DeleteResponse resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Delete(&call.context, req, &resp);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return 0;
    if (!status.ok()) failed(*this, status, "delete the task of container " + id);
    return static_cast<int>(resp.exit_status());
}

std::optional<TaskProcess> Client::find_task(const std::string& id) {
    Call call(*this);
    tasks::GetRequest req;
    req.set_container_id(id);
    tasks::GetResponse resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Get(&call.context, req, &resp);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return std::nullopt;
    if (!status.ok()) failed(*this, status, "task of container " + id);
    return resp.process();
}

std::vector<int> Client::task_pids(const std::string& id) {
    Call call(*this);
    tasks::ListPidsRequest req;
    req.set_container_id(id);
    tasks::ListPidsResponse resp;
    const auto status = tasks::Tasks::NewStub(channel_)->ListPids(&call.context, req, &resp);
    if (!status.ok()) failed(*this, status, "processes of container " + id);
    std::vector<int> pids;
    for (const auto& p : resp.processes()) pids.push_back(static_cast<int>(p.pid()));
    std::sort(pids.begin(), pids.end());
    return pids;
}

void Client::remove_task(const std::string& id) {
    if (!find_task(id)) return;
    kill_task(id, SIGKILL);
    // The shim reports the exit within moments; delete_task refuses a task still running.
    for (int i = 0; i < 200; ++i) {
        const auto task = find_task(id);
        if (!task || task->status() == ::containerd::v1::types::STOPPED) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    delete_task(id);
}

std::optional<int> Client::wait_task(const std::string& id) {
    Call call(*this, std::chrono::seconds(1));
    tasks::WaitRequest req;
    req.set_container_id(id);
    tasks::WaitResponse resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Wait(&call.context, req, &resp);
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) return std::nullopt;
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return 128 + SIGKILL;
    if (!status.ok()) failed(*this, status, "wait for the task of container " + id);
    return static_cast<int>(resp.exit_status());
}

void Client::pause(const std::string& id) {
    Call call(*this);
    tasks::PauseTaskRequest req;
    req.set_container_id(id);
    google::protobuf::Empty resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Pause(&call.context, req, &resp);
    if (!status.ok()) failed(*this, status, "pause " + id);
}

void Client::resume(const std::string& id) {
    Call call(*this);
    tasks::ResumeTaskRequest req;
    req.set_container_id(id);
    google::protobuf::Empty resp;
    const auto status = tasks::Tasks::NewStub(channel_)->Resume(&call.context, req, &resp);
    if (!status.ok()) failed(*this, status, "resume " + id);
}

Client client_for(const config::Config& config, const Details& details) { return Client(address_of(config), namespace_of(details)); }

std::string status_name(int status) {
    std::string name = ::containerd::v1::types::Status_Name(static_cast<::containerd::v1::types::Status>(status));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return name.empty() ? "unknown" : name;
}

}  // namespace cedana::plugins::containerd
