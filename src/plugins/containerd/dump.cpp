#include "plugins/containerd/dump.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/dump_route.hpp"
#include "plugins/containerd/checkpoint_files.hpp"
#include "plugins/containerd/client.hpp"
#include "plugins/containerd/image.hpp"
#include "plugins/containerd/image_commit.hpp"
#include "plugins/containerd/lease.hpp"
#include "plugins/containerd/overlay_layer.hpp"
#include "plugins/containerd/record.hpp"
#include "plugins/containerd/snapshots.hpp"
#include "plugins/containerd/settings.hpp"
#include "plugins/runc/access.hpp"
#include "plugins/runc/dump.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::DumpCtx;
using Next = daemon::DumpChain::Next;
using namespace std::chrono_literals;

namespace {

// The shim notices its init is gone within moments of the runc plugin ending the container.
constexpr auto kStopWait = 10s;

std::string runc_root(const std::string& ns) { return "/run/containerd/runc/" + ns; }

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) fail(ErrorKind::failed_precondition, "cannot write {}", path.string());
}

// A dump's handler tells its resolve step that it committed the --image.
constexpr const char* kCommitted = "image_committed";

bool wants_layer(const v1::DumpReq& req) { return detail(req.details(), "rootfs") == "true" || detail(req.details(), "rootfs_only") == "true"; }

// The task paused (through containerd, so that it says so) for as long as a --rootfs-only dump
// reads its layer, as a dump with CRIU has it stopped: the layer is one moment's.
class PausedTask {
public:
    PausedTask(Client& client, const std::string& id) : client_(client), id_(id) {
        const auto task = client.find_task(id);
        if (task && task->status() == ::containerd::v1::types::RUNNING) {
            client.pause(id);
            paused_ = true;
        }
    }
    ~PausedTask() {
        if (!paused_) return;
        try {
            client_.resume(id_);
        } catch (const Error& e) {
            spdlog::error("containerd: cannot resume {} after reading its writable layer: {}", id_, e.what());
        }
    }
    PausedTask(const PausedTask&) = delete;
    PausedTask& operator=(const PausedTask&) = delete;

private:
    Client& client_;
    std::string id_;
    bool paused_ = false;
};

// The container's writable layer into the checkpoint, read while its tasks are stopped (by
// CRIU, or paused); with --image also committed into containerd's store, last of all the
// handler does, under a lease until the image holds it.
void capture_layer(Client& client, const ContainerRecord& record, v1::DumpReq& req, const fs::path& dir) {
    const fs::path upper = upper_dir(snapshot_mounts(client, record.snapshotter(), record.snapshot_key()), record.snapshotter());
    const LayerFile layer = write_layer(upper, dir / kLayerFile);
    const std::string image = detail(req.details(), "commit_image");
    const ImageInfo base = record.image().empty() ? ImageInfo{} : resolve_image(client, record.image());
    const nlohmann::json info{{"digest", layer.digest},
                              {"size", layer.size},
                              {"media_type", layer_media_type(base.manifest_media_type)},
                              {"base_image", record.image()},
                              {"process", detail(req.details(), "rootfs_only") != "true"},
                              {"image", image}};
    write_file(dir / kLayerInfoFile, info.dump());
    if (image.empty()) return;
    const Lease lease(client);
    const std::string chain = unpack_layer(client, base, dir / kLayerFile, layer, record.snapshotter());
    commit_image(client, base, layer, record.snapshotter(), chain, image);
    (*req.mutable_details())[kCommitted] = "true";
}

// The container and its task, through containerd; then the runc plugin takes it from
// containerd's runc root. Afterwards, unless it keeps running, the stopped task goes, so that
// containerd knows the container has none and a restore can make one.
void resolve_container(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    runc::require_root_caller(ctx, "containerd containers");
    const std::string id = detail(req.details(), "id");
    if (id.empty()) fail(ErrorKind::invalid_argument, "name the container to dump: cedana dump containerd ID [--namespace NS]");
    Client client = client_for(ctx.config, req.details());
    const auto record = client.container(id);
    const auto task = client.find_task(id);
    if (!task || task->status() == ::containerd::v1::types::STOPPED || task->status() == ::containerd::v1::types::CREATED) {
        fail(ErrorKind::failed_precondition, "container {} has no running task; only a running or paused container can be dumped", id);
    }
    const std::string image = detail(req.details(), "commit_image");
    if (wants_layer(req)) {
        if (record.snapshot_key().empty()) {
            fail(ErrorKind::failed_precondition, "container {} has no snapshot of containerd's (it was made on a root filesystem of its own); "
                 "--rootfs captures a snapshot's writable layer", id);
        }
        upper_dir(snapshot_mounts(client, record.snapshotter(), record.snapshot_key()), record.snapshotter());
    } else if (!image.empty()) {
        fail(ErrorKind::invalid_argument, "--image {} commits the container's writable layer: add --rootfs (or --rootfs-only)", image);
    }
    if (!image.empty()) {
        if (record.image().empty()) fail(ErrorKind::failed_precondition, "container {} was not made from an image; --image needs one to build on", id);
        require_free_image_name(client, image);
        resolve_image(client, record.image());
    }
    auto& details = *req.mutable_details();
    details["namespace"] = client.ns();
    details["root"] = runc_root(client.ns());
    try {
        next(ctx, req, resp);
    } catch (...) {
        // The handler's image, should a later step (packing, publishing) fail.
        if (detail(req.details(), kCommitted) == "true") remove_image(client, image);
        throw;
    }
    if (ctx.dump.keep_running) return;
    const auto deadline = std::chrono::steady_clock::now() + kStopWait;
    while (true) {
        const auto now = client.find_task(id);
        if (!now || now->status() == ::containerd::v1::types::STOPPED) break;
        if (std::chrono::steady_clock::now() > deadline) {
            spdlog::warn("containerd: the task of {} is not stopped {} s after its dump; it is left for containerd", id,
                         std::chrono::duration_cast<std::chrono::seconds>(kStopWait).count());
            return;
        }
        std::this_thread::sleep_for(20ms);
    }
    try {
        client.delete_task(id);
    } catch (const Error& e) {
        spdlog::warn("containerd: cannot delete the stopped task of {} after its dump: {}", id, e.what());
    }
}

std::string descriptor(int pid, int fd) {
    std::error_code ec;
    const auto target = fs::read_symlink(fmt::format("/proc/{}/fd/{}", pid, fd), ec);
    return ec ? std::string("/dev/null") : target.string();
}

}  // namespace

daemon::DumpKind dump_kind() {
    daemon::DumpKind runc_kind = runc::dump_kind();
    daemon::DumpKind kind{.plugin = "containerd", .steps = {{"resolve-containerd", "containerd", resolve_container}}, .handler = {}};
    for (auto& step : runc_kind.steps) kind.steps.push_back(std::move(step));
    kind.handler = {"criu-dump", "criu", [runc_dump = runc_kind.handler.fn](DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp) {
                        const auto& dir = ctx.dump.staging->work_dir();
                        Client client = client_for(ctx.config, req.details());
                        const std::string id = detail(req.details(), "id");
                        const ContainerRecord record = client.container(id);
                        write_file(dir / kRecordFile, record_to_json(record));
                        if (detail(req.details(), "rootfs_only") == "true") {
                            // Nothing of the container's processes is dumped: they go on as they were.
                            ctx.dump.keep_running = true;
                            const PausedTask paused(client, id);
                            capture_layer(client, record, req, dir);
                            return;
                        }
                        // What CRIU knows each of them by: the runc plugin names a host file
                        // as an external file[mnt:ino].
                        nlohmann::json fds = nlohmann::json::array();
                        for (int fd = 0; fd <= 2; ++fd) {
                            std::string key = descriptor(req.pid(), fd);
                            for (const auto& file : ctx.dump.process.stdio) {
                                if (file.fd == fd && file.key.starts_with("file[")) key = file.key;
                            }
                            fds.push_back(key);
                        }
                        write_file(dir / kDescriptorsFile, fds.dump());
                        runc_dump(ctx, req, resp);
                        if (wants_layer(req)) capture_layer(client, record, req, dir);
                    }};
    return kind;
}

}  // namespace cedana::plugins::containerd
