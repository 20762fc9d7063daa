#include "plugins/containerd/jobs.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/job_routes.hpp"
#include "github.com/containerd/containerd/runtime/v2/runc/options/oci.pb.h"
#include "jobs/process_state.hpp"
#include "plugins/containerd/attachable_io.hpp"
#include "plugins/containerd/client.hpp"
#include "plugins/containerd/image.hpp"
#include "plugins/containerd/lease.hpp"
#include "plugins/containerd/settings.hpp"
#include "plugins/containerd/snapshots.hpp"
#include "plugins/containerd/spec.hpp"
#include "plugins/containerd/access.hpp"
#include "plugins/runc/container.hpp"
#include "plugins/runc/runtime.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::RequestContext;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRuntime = "io.containerd.runc.v2";
// How long `manage containerd --upcoming` waits for the container's task to run.
constexpr auto kUpcomingWait = 60s;
constexpr auto kUpcomingPoll = 50ms;

std::vector<std::string> env_of(const Details& details) {
    std::vector<std::string> env;
    const auto parsed = nlohmann::json::parse(detail(details, "env").empty() ? "[]" : detail(details, "env"), nullptr, false);
    if (!parsed.is_array()) fail(ErrorKind::invalid_argument, "the request's environment does not parse");
    for (const auto& kv : parsed) {
        if (kv.is_string()) env.push_back(kv.get<std::string>());
    }
    return env;
}

// `run containerd /path`: a directory, not an image reference (which never starts so).
bool is_rootfs_path(const std::string& target) { return target.starts_with("/") || target.starts_with("./") || target.starts_with("../"); }

// What a container on a host directory runs: the command given, in no image's environment.
ImageInfo rootfs_image(const std::string& dir) {
    ImageInfo info;
    info.name = "root filesystem " + dir;
    info.config = {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}}};
    return info;
}

SpecRequest run_spec(const v1::RunReq& q, const std::string& id, const std::string& ns) {
    SpecRequest spec{id, ns, {q.args().begin() + 1, q.args().end()}, env_of(q.details())};
    if (const std::string dir = detail(q.details(), "rootfs_dir"); !dir.empty()) spec.root = dir;
    return spec;
}

// Everything is checked before anything is made: the image is there and unpacked (or the
// directory), the ids are free.
void check_run(RequestContext& c, v1::RunReq& q, v1::RunResp& r, const daemon::RunChain::Next& next) {
    if (q.args().empty()) fail(ErrorKind::invalid_argument, "name the image to run: cedana run containerd IMAGE [COMMAND [ARGS...]]");
    if (q.attachable() && !c.keep_hub) fail(ErrorKind::unimplemented, "--attach and --attachable need the daemon");
    auto& store = daemon::store_of(c);
    Client client = client_for(c.config, q.details());
    std::string id = detail(q.details(), "id");
    if (q.jid().empty() && !id.empty()) {
        daemon::check_new_jid(store, id);
        q.set_jid(id);
    }
    if (q.jid().empty()) q.set_jid(daemon::new_jid(store));
    if (id.empty()) id = q.jid();
    runc::check_id(id, "--id (the container's id)");
    if (client.find_container(id)) {
        fail(ErrorKind::failed_precondition, "containerd already has a container {} in namespace {}; choose another --id, or remove it "
             "(ctr -n {} containers rm {})", id, client.ns(), client.ns(), id);
    }
    auto& details = *q.mutable_details();
    details["id"] = id;
    details["namespace"] = client.ns();
    if (is_rootfs_path(q.args(0))) {
        // A root filesystem of the host's: no image, no snapshot (as `ctr run --rootfs`).
        std::error_code ec;
        const fs::path root = fs::absolute(q.args(0), ec);
        if (ec || !fs::is_directory(root, ec)) fail(ErrorKind::invalid_argument, "{} is not a directory to run a container on", q.args(0));
        details["rootfs_dir"] = root.lexically_normal().string();
        container_spec(rootfs_image(details["rootfs_dir"]), run_spec(q, id, client.ns()));
        next(c, q, r);
        return;
    }
    const auto image = resolve_image(client, q.args(0));
    const std::string snapshotter = detail(q.details(), "snapshotter").empty() ? kDefaultSnapshotter : detail(q.details(), "snapshotter");
    if (!snapshot_exists(client, snapshotter, image.chain_id)) {
        fail(ErrorKind::failed_precondition, "image {} is not unpacked for snapshotter {} (no snapshot {}): unpack it (ctr -n {} image "
             "unpack --snapshotter {} {})", image.name, snapshotter, image.chain_id, client.ns(), snapshotter, image.name);
    }
    // Checked here so that a bad --env fails before anything is made.
    container_spec(image, run_spec(q, id, client.ns()));
    details["image"] = image.name;
    details["snapshotter"] = snapshotter;
    next(c, q, r);
}

// Undoes what start made so far, newest first, unless dismissed.
class Undo {
public:
    explicit Undo(Client& client) : client_(client) {}
    ~Undo() {
        if (dismissed_) return;
        try {
            if (task_) client_.remove_task(id_);
            if (container_) client_.delete_container(id_);
            if (snapshot_) remove_snapshot(client_, snapshotter_, id_);
        } catch (const Error& e) {
            spdlog::warn("containerd: cleaning up after a failed run of {}: {}", id_, e.what());
        }
        if (!log_.empty()) {
            std::error_code ec;
            fs::remove(log_, ec);
        }
    }
    Undo(const Undo&) = delete;
    Undo& operator=(const Undo&) = delete;

    void snapshot(const std::string& snapshotter, const std::string& id) {
        snapshotter_ = snapshotter;
        id_ = id;
        snapshot_ = true;
    }
    void container() { container_ = true; }
    void task() { task_ = true; }
    void log(const std::string& path) { log_ = path; }
    void dismiss() { dismissed_ = true; }

private:
    Client& client_;
    std::string snapshotter_;
    std::string id_;
    bool snapshot_ = false;
    bool container_ = false;
    bool task_ = false;
    std::string log_;
    bool dismissed_ = false;
};

void start(RequestContext& c, v1::RunReq& q, v1::RunResp& r) {
    auto& store = daemon::store_of(c);
    Client client = client_for(c.config, q.details());
    const std::string id = detail(q.details(), "id");
    const std::string snapshotter = detail(q.details(), "snapshotter");
    const std::string rootfs_dir = detail(q.details(), "rootfs_dir");
    const auto image = rootfs_dir.empty() ? resolve_image(client, detail(q.details(), "image")) : rootfs_image(rootfs_dir);
    const auto spec = container_spec(image, run_spec(q, id, client.ns()));

    // Attachable: the daemon holds the task's stdio, and copies its output to --out if given.
    // Else the shim writes the output to the log itself, so that it outlives the daemon.
    const std::string log = q.out().empty() && !q.attachable() ? fmt::format("/var/log/cedana-output-{}.log", q.jid()) : q.out();
    std::error_code ec;
    const bool new_log = !log.empty() && !fs::exists(log, ec);
    std::optional<AttachableIo> attachable;
    util::UniqueFd log_fd;
    if (q.attachable()) {
        attachable.emplace();
        log_fd = open_output(log);
    }

    Undo undo(client);
    std::vector<Mount> rootfs;
    {
        // The snapshot belongs to nothing until the container does: the lease keeps it.
        const Lease lease(client);
        ContainerRecord record;
        record.set_id(id);
        if (rootfs_dir.empty()) {
            rootfs = prepare_snapshot(client, snapshotter, id, image.chain_id);
            undo.snapshot(snapshotter, id);
            record.set_image(image.name);
            record.set_snapshotter(snapshotter);
            record.set_snapshot_key(id);
        }
        record.mutable_runtime()->set_name(kRuntime);
        ::containerd::runc::v1::Options options;
        options.set_no_pivot_root(detail(q.details(), "no_pivot") == "true");
        record.mutable_runtime()->mutable_options()->set_type_url("containerd.runc.v1.Options");
        record.mutable_runtime()->mutable_options()->set_value(options.SerializeAsString());
        record.mutable_spec()->set_type_url(kSpecTypeUrl);
        record.mutable_spec()->set_value(spec.dump());
        (*record.mutable_labels())["io.cedana.job"] = q.jid();
        client.create_container(record);
        undo.container();
    }
    if (new_log) undo.log(log);
    const TaskIo io = attachable ? attachable->io() : TaskIo{"", "file://" + log, "file://" + log};
    client.create_task(id, rootfs, io, nullptr);
    undo.task();
    const int pid = client.start_task(id);
    const auto hub = attachable ? attachable->hub(std::move(log_fd), client, id, pid, c.job_ended) : nullptr;
    store.add_job({.jid = q.jid(), .type = q.type(), .pid = pid, .command = fmt::format("containerd container {} ({})", id, image.name),
                   .log = log, .attachable = q.attachable(), .gpu = q.gpu_enabled(), .created_unix = util::unix_seconds(), .exit_status = std::nullopt,
                   .start_ticks = jobs::start_ticks(pid), .details = {q.details().begin(), q.details().end()}, .migrated_to = {}});
    if (hub) c.keep_hub(q.jid(), hub);
    undo.dismiss();
    r.set_jid(q.jid());
    r.set_pid(pid);
    r.set_log(log);
}

void check_manage(RequestContext& c, v1::ManageReq& q, v1::ManageResp& r, const daemon::ManageChain::Next& next) {
    const std::string id = detail(q.details(), "id");
    if (id.empty()) fail(ErrorKind::invalid_argument, "name the container to manage: cedana manage containerd ID [--namespace NS]");
    Client client = client_for(c.config, q.details());
    const auto running = [&]() -> std::optional<TaskProcess> {
        const auto task = client.find_task(id);
        if (!task || task->status() == ::containerd::v1::types::STOPPED || task->status() == ::containerd::v1::types::CREATED) return std::nullopt;
        return task;
    };
    auto task = running();
    if (q.upcoming()) {
        const auto deadline = std::chrono::steady_clock::now() + kUpcomingWait;
        while (!task) {
            if (std::chrono::steady_clock::now() > deadline) {
                fail(ErrorKind::not_found, "no running containerd container {} appeared in namespace {} within {} s; nothing is managed", id,
                     client.ns(), std::chrono::duration_cast<std::chrono::seconds>(kUpcomingWait).count());
            }
            std::this_thread::sleep_for(kUpcomingPoll);
            task = running();
        }
    }
    const auto record = client.container(id);
    if (!task) fail(ErrorKind::failed_precondition, "container {} has no running task; nothing to manage (to wait for it, add --upcoming)", id);
    if (const auto other = daemon::store_of(c).job_by_pid(static_cast<int>(task->pid())); other && daemon::job_running(*other)) {
        fail(ErrorKind::invalid_argument, "container {} is already managed as job {}", id, other->jid);
    }
    const std::string image = detail(q.details(), "image");
    if (!image.empty() && image != record.image()) {
        fail(ErrorKind::invalid_argument, "--image {}: container {} runs image {}", image, id, record.image());
    }
    q.set_pid(static_cast<int>(task->pid()));
    auto& details = *q.mutable_details();
    details["namespace"] = client.ns();
    details["image"] = record.image();
    details["snapshotter"] = record.snapshotter();
    next(c, q, r);
}

void adopt(RequestContext& c, v1::ManageReq& q, v1::ManageResp& r) {
    auto& store = daemon::store_of(c);
    const std::string id = detail(q.details(), "id");
    if (q.jid().empty()) {
        q.set_jid(store.job(id) ? daemon::new_jid(store) : id);
        daemon::check_new_jid(store, q.jid());
    }
    store.add_job({.jid = q.jid(), .type = q.type(), .pid = q.pid(),
                   .command = fmt::format("containerd container {} ({})", id, detail(q.details(), "image")), .log = "", .attachable = false,
                   .gpu = q.gpu_enabled(), .created_unix = util::unix_seconds(), .exit_status = std::nullopt,
                   .start_ticks = jobs::start_ticks(q.pid()), .details = {q.details().begin(), q.details().end()}, .migrated_to = {}});
    r.set_jid(q.jid());
    r.set_pid(q.pid());
}

}  // namespace

daemon::RunKind run_kind() {
    return {.plugin = "containerd",
            .steps = {{"root-caller", "containerd", root_only<v1::RunReq, v1::RunResp, daemon::RunChain::Next>},
                      {"check-image", "containerd", check_run}},
            .handler = {"run", "containerd", start}};
}

daemon::ManageKind manage_kind() {
    return {.plugin = "containerd",
            .steps = {{"root-caller", "containerd", root_only<v1::ManageReq, v1::ManageResp, daemon::ManageChain::Next>},
                      {"check-container", "containerd", check_manage}},
            .handler = {"manage", "containerd", adopt}};
}

}  // namespace cedana::plugins::containerd
