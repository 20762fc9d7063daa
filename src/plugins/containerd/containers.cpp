#include "plugins/containerd/containers.hpp"

#include <fmt/format.h>

#include "plugins/containerd/client.hpp"
#include "plugins/containerd/settings.hpp"
#include "plugins/containerd/access.hpp"
#include "proc/process_info.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace v1 = cedana::daemon::v1;
using daemon::RequestContext;

namespace {

std::string joined(const std::vector<int>& pids) {
    std::string out;
    for (const int pid : pids) out += (out.empty() ? "" : " ") + std::to_string(pid);
    return out;
}

// The container's task, which must be there and not stopped.
TaskProcess live_task(Client& client, const std::string& id) {
    client.container(id);
    const auto task = client.find_task(id);
    if (!task) fail(ErrorKind::failed_precondition, "container {} has no task (it is not running); there is nothing to freeze or unfreeze", id);
    if (task->status() == ::containerd::v1::types::STOPPED) fail(ErrorKind::failed_precondition, "container {} is stopped; there is nothing to freeze or unfreeze", id);
    return *task;
}

std::string container_id(const v1::FreezeReq& req) {
    const std::string id = req.id().empty() ? detail(req.details(), "id") : req.id();
    if (id.empty()) fail(ErrorKind::invalid_argument, "name the container: cedana freeze containerd ID [--namespace NS]");
    return id;
}

void freeze(RequestContext& c, v1::FreezeReq& req, v1::FreezeResp& resp) {
    Client client = client_for(c.config, req.details());
    const std::string id = container_id(req);
    if (live_task(client, id).status() == ::containerd::v1::types::PAUSED) {
        fail(ErrorKind::failed_precondition, "container {} is frozen already; unfreeze it with `cedana unfreeze containerd {} --namespace {}`", id, id,
             client.ns());
    }
    client.pause(id);
    for (const int pid : client.task_pids(id)) resp.add_pids(pid);
}

void unfreeze(RequestContext& c, v1::FreezeReq& req, v1::FreezeResp& resp) {
    Client client = client_for(c.config, req.details());
    const std::string id = container_id(req);
    if (live_task(client, id).status() != ::containerd::v1::types::PAUSED) fail(ErrorKind::failed_precondition, "container {} is not frozen; nothing to unfreeze", id);
    client.resume(id);
    for (const int pid : client.task_pids(id)) resp.add_pids(pid);
}

struct Found {
    ContainerRecord container;
    std::optional<TaskProcess> task;
};

void query(RequestContext& c, v1::QueryReq& req, v1::QueryResp& resp) {
    if (req.targets().empty()) fail(ErrorKind::invalid_argument, "name the containers to query by id");
    Client client = client_for(c.config, req.details());
    for (const auto* column : {"ID", "PID", "STATUS", "IMAGE", "NAMESPACE"}) resp.add_columns(column);
    if (req.tree()) resp.add_columns("PROCESSES");
    std::vector<Found> found;
    for (const auto& id : req.targets()) found.push_back({client.container(id), client.find_task(id)});
    for (const auto& f : found) {
        auto* row = resp.add_rows();
        const bool running = f.task && f.task->status() != ::containerd::v1::types::STOPPED;
        for (const auto& cell : {f.container.id(), running ? std::to_string(f.task->pid()) : std::string("0"),
                                 f.task ? status_name(f.task->status()) : std::string("no task"), f.container.image(), client.ns()}) {
            row->add_cells(cell);
        }
        if (req.tree()) row->add_cells(running ? joined(client.task_pids(f.container.id())) : "");
    }
    if (!req.inspect()) return;
    const auto& f = found.front();
    const auto detail_row = [&resp](const std::string& name, const std::string& value) {
        auto* d = resp.add_details();
        d->set_name(name);
        d->set_value(value);
    };
    detail_row("ID", f.container.id());
    detail_row("Namespace", client.ns());
    detail_row("Image", f.container.image());
    detail_row("Runtime", f.container.runtime().name());
    detail_row("Snapshotter", f.container.snapshotter());
    detail_row("Snapshot", f.container.snapshot_key());
    detail_row("Status", f.task ? status_name(f.task->status()) : "no task");
    for (const auto& [key, value] : f.container.labels()) detail_row("Label " + key, value);
    if (f.task && f.task->status() != ::containerd::v1::types::STOPPED) {
        detail_row("PID", std::to_string(f.task->pid()));
        detail_row("Command", proc::inspect(static_cast<int>(f.task->pid())).command);
        const auto pids = client.task_pids(f.container.id());
        detail_row("Processes", fmt::format("{} ({})", pids.size(), joined(pids)));
    }
}

}  // namespace

daemon::QueryKind query_kind() {
    return {.plugin = "containerd",
            .steps = {{"root-caller", "containerd", root_only<v1::QueryReq, v1::QueryResp, daemon::QueryChain::Next>}},
            .handler = {"query", "containerd", query}};
}

daemon::FreezeKind freeze_kind() {
    return {.plugin = "containerd",
            .steps = {{"root-caller", "containerd", root_only<v1::FreezeReq, v1::FreezeResp, daemon::FreezeChain::Next>}},
            .handler = {"freeze", "containerd", freeze}};
}

daemon::FreezeKind unfreeze_kind() {
    return {.plugin = "containerd",
            .steps = {{"root-caller", "containerd", root_only<v1::FreezeReq, v1::FreezeResp, daemon::FreezeChain::Next>}},
            .handler = {"unfreeze", "containerd", unfreeze}};
}

}  // namespace cedana::plugins::containerd
