#include "plugins/runc/freeze.hpp"

#include <fmt/format.h>

#include "jobs/process_state.hpp"
#include "plugins/runc/access.hpp"
#include "plugins/runc/container.hpp"
#include "plugins/runc/details.hpp"
#include "plugins/runc/freezer.hpp"
#include "proc/process_info.hpp"
#include "util/error.hpp"

namespace cedana::plugins::runc {

namespace v1 = cedana::daemon::v1;
using daemon::RequestContext;

namespace {

Container running_container(const v1::FreezeReq& req) {
    const std::string id = req.id().empty() ? detail(req.details(), "id") : req.id();
    if (id.empty()) fail(ErrorKind::invalid_argument, "name the container: cedana freeze runc ID [--root R]");
    check_id(id, "container id");
    Container c = load_container(root_of(req.details()), id);
    if (status_of(c) == "stopped") fail(ErrorKind::failed_precondition, "container {} is stopped; there is nothing to freeze or unfreeze", id);
    if (freezer_dir(c).empty()) fail(ErrorKind::failed_precondition, "container {} has no freezer cgroup in runc's state", id);
    return c;
}

void freeze(RequestContext&, v1::FreezeReq& req, v1::FreezeResp& resp) {
    const Container c = running_container(req);
    if (is_frozen(freezer_dir(c))) {
        fail(ErrorKind::failed_precondition, "container {} is frozen already; unfreeze it with `cedana unfreeze runc {}`", c.id, c.id);
    }
    freeze_cgroup(freezer_dir(c));
    for (const int pid : container_pids(c)) resp.add_pids(pid);
}

void unfreeze(RequestContext&, v1::FreezeReq& req, v1::FreezeResp& resp) {
    const Container c = running_container(req);
    if (!is_frozen(freezer_dir(c))) fail(ErrorKind::failed_precondition, "container {} is not frozen; nothing to unfreeze", c.id);
    thaw_cgroup(freezer_dir(c));
    for (const int pid : container_pids(c)) resp.add_pids(pid);
}

std::string joined(const std::vector<int>& pids) {
    std::string out;
    for (const int pid : pids) out += (out.empty() ? "" : " ") + std::to_string(pid);
    return out;
}

void query(RequestContext&, v1::QueryReq& req, v1::QueryResp& resp) {
    if (req.targets().empty()) fail(ErrorKind::invalid_argument, "name the containers to query by id");
    const std::string root = root_of(req.details());
    for (const auto* column : {"ID", "PID", "STATUS", "BUNDLE", "ROOT"}) resp.add_columns(column);
    if (req.tree()) resp.add_columns("PROCESSES");
    std::vector<Container> found;
    for (const auto& id : req.targets()) {
        check_id(id, "container id");
        found.push_back(load_container(root, id));
    }
    for (const auto& c : found) {
        auto* row = resp.add_rows();
        const std::string status = status_of(c);
        for (const auto& cell : {c.id, status == "stopped" ? std::string("0") : std::to_string(c.pid), status, c.bundle, c.root}) row->add_cells(cell);
        if (req.tree()) row->add_cells(joined(container_pids(c)));
    }
    if (!req.inspect()) return;
    const auto& c = found.front();
    const auto detail_row = [&resp](const std::string& name, const std::string& value) {
        auto* d = resp.add_details();
        d->set_name(name);
        d->set_value(value);
    };
    detail_row("ID", c.id);
    detail_row("PID", std::to_string(c.pid));
    detail_row("Status", status_of(c));
    detail_row("Bundle", c.bundle);
    detail_row("Rootfs", c.rootfs);
    detail_row("Root", c.root);
    detail_row("Created", c.state.value("created", ""));
    detail_row("Command", proc::inspect(c.pid).command);
    detail_row("Freezer", freezer_dir(c));
    for (const auto& ns : c.state.value("config", nlohmann::json::object()).value("namespaces", nlohmann::json::array())) {
        const std::string path = ns.value("path", "");
        detail_row(fmt::format("Namespace {}", ns.value("type", "")), path.empty() ? "its own" : "shared: " + path);
    }
    const auto pids = container_pids(c);
    detail_row("Processes", fmt::format("{} ({})", pids.size(), joined(pids)));
}

}  // namespace

std::optional<std::string> job_state(const jobs::Job& job) {
    const auto id = job.details.find("id");
    if (id == job.details.end() || id->second.empty()) return std::nullopt;
    const auto c = find_container(root_of(job.details), id->second);
    if (!c || c->pid != job.pid) return std::nullopt;
    if (const std::string freezer = freezer_dir(*c); !freezer.empty() && is_frozen(freezer)) return "paused";
    return std::nullopt;
}

daemon::FreezeKind freeze_kind() {
    return {.plugin = "runc",
            .steps = {{"root-caller", "runc", root_caller<daemon::RequestContext, v1::FreezeReq, v1::FreezeResp, daemon::FreezeChain::Next>}},
            .handler = {"freeze", "runc", freeze}};
}

daemon::FreezeKind unfreeze_kind() {
    return {.plugin = "runc",
            .steps = {{"root-caller", "runc", root_caller<daemon::RequestContext, v1::FreezeReq, v1::FreezeResp, daemon::FreezeChain::Next>}},
            .handler = {"unfreeze", "runc", unfreeze}};
}

daemon::QueryKind query_kind() { return {.plugin = "runc", .steps = {}, .handler = {"query", "runc", query}}; }

}  // namespace cedana::plugins::runc
