#include "plugins/containerd/restore.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "github.com/containerd/containerd/runtime/v2/runc/options/oci.pb.h"
#include "engine/criu_log.hpp"
#include "jobs/process_state.hpp"
#include "plugins/containerd/attachable_io.hpp"
#include "plugins/containerd/checkpoint_files.hpp"
#include "plugins/containerd/client.hpp"
#include "plugins/containerd/content.hpp"
#include "plugins/containerd/diff.hpp"
#include "plugins/containerd/image.hpp"
#include "plugins/containerd/lease.hpp"
#include "plugins/containerd/record.hpp"
#include "plugins/containerd/settings.hpp"
#include "plugins/containerd/snapshots.hpp"
#include "plugins/containerd/spec.hpp"
#include "plugins/runc/access.hpp"
#include "plugins/runc/container.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/scratch_dir.hpp"
#include "util/text_file.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::RestoreCtx;
using Next = daemon::RestoreChain::Next;

namespace {

struct Target {
    ContainerRecord record;  // as it is to be restored onto
    bool existing = false;   // the container is there already (else made here)
    // The writable layer the checkpoint carries (dump --rootfs), applied onto a container
    // made anew; one kept by containerd has its own still.
    std::optional<Blob> layer;
};

// The checkpoint's layer (checkpoint_files.hpp); refuses one that holds nothing else.
std::optional<Blob> layer_of(const fs::path& images, const std::string& path) {
    const fs::path info_file = images / kLayerInfoFile;
    if (!fs::exists(info_file)) return std::nullopt;
    const auto info = nlohmann::json::parse(util::read_text(info_file), nullptr, false);
    if (!info.is_object() || !info.contains("digest") || !fs::exists(images / kLayerFile)) {
        fail(ErrorKind::invalid_argument, "{}: its {} does not describe the writable layer {} beside it", path, kLayerInfoFile, kLayerFile);
    }
    if (!info.value("process", true)) {
        fail(ErrorKind::failed_precondition, "{} holds only a container's writable layer (dump --rootfs-only), no processes to restore; "
             "run a container of it instead: dump with --rootfs-only --image REF, then cedana run containerd REF", path);
    }
    return Blob{.media_type = info.value("media_type", std::string("application/vnd.oci.image.layer.v1.tar")),
                .digest = info.value("digest", ""),
                .size = info.value("size", std::int64_t{0})};
}

Target& target_of(RestoreCtx& ctx) { return std::any_cast<Target&>(ctx.restore.target); }

// Everything is checked before anything is made: a containerd container's checkpoint, an id
// without a task, the image there when a container is to be made.
void resolve_container(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    runc::require_root_caller(ctx, "containerd containers");
    const fs::path record_file = ctx.restore.images / kRecordFile;
    if (!fs::exists(record_file)) fail(ErrorKind::invalid_argument, "{} is not a containerd container's checkpoint: it holds no {}", req.path(), kRecordFile);
    Target t;
    t.record = record_from_json(util::read_text(record_file), req.path() + ": " + kRecordFile);
    t.layer = layer_of(ctx.restore.images, req.path());
    Client client = client_for(ctx.config, req.details());
    const std::string old_id = t.record.id();
    const std::string id = detail(req.details(), "id").empty() ? old_id : detail(req.details(), "id");
    runc::check_id(id, "--id");
    if (const auto task = client.find_task(id)) {
        fail(ErrorKind::failed_precondition, "container {} in namespace {} has a task already ({}); restore with another --id, or remove it "
             "(ctr -n {} task rm -f {})", id, client.ns(), status_name(task->status()), client.ns(), id);
    }
    if (auto existing = client.find_container(id); existing && id == old_id) {
        t.record = *existing;
        t.existing = true;
    } else if (existing) {
        fail(ErrorKind::failed_precondition, "containerd has a container {} in namespace {} already; choose another --id, or remove it "
             "(ctr -n {} containers rm {})", id, client.ns(), client.ns(), id);
    } else if (t.record.snapshot_key().empty()) {
        // Its root a directory of the host's (run containerd /path), where it is still.
        if (!detail(req.details(), "image").empty()) {
            fail(ErrorKind::invalid_argument, "--image {}: container {} ran on a directory of the host's, not on an image", detail(req.details(), "image"), old_id);
        }
        t.record.set_id(id);
    } else {
        const std::string image = detail(req.details(), "image").empty() ? t.record.image() : detail(req.details(), "image");
        const auto info = resolve_image(client, image);
        if (!snapshot_exists(client, t.record.snapshotter(), info.chain_id)) {
            fail(ErrorKind::failed_precondition, "image {} is not unpacked for snapshotter {}: unpack it (ctr -n {} image unpack {})", image,
                 t.record.snapshotter(), client.ns(), image);
        }
        t.record.set_id(id);
        t.record.set_image(image);
        t.record.set_snapshot_key(id);
    }
    if (!t.existing) {
        auto spec = nlohmann::json::parse(t.record.spec().value(), nullptr, false);
        if (!spec.is_object()) fail(ErrorKind::invalid_argument, "{}: the container's spec in {} does not parse", req.path(), kRecordFile);
        spec["hostname"] = spec.value("hostname", old_id) == old_id ? id : spec.value("hostname", id);
        if (spec.contains("linux")) spec["linux"]["cgroupsPath"] = "/" + client.ns() + "/" + id;
        t.record.mutable_spec()->set_value(spec.dump());
    }
    auto& details = *req.mutable_details();
    details["id"] = id;
    details["namespace"] = client.ns();
    details["image"] = t.record.image();
    details["snapshotter"] = t.record.snapshotter();
    ctx.restore.target = std::move(t);
    next(ctx, req, resp);
}

void restore_task(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp) {
    auto& t = target_of(ctx);
    Client client = client_for(ctx.config, req.details());
    const std::string id = t.record.id();
    if (req.attachable() && !ctx.keep_hub) fail(ErrorKind::unimplemented, "--attach and --attachable need the daemon");
    // The memory images are whole before anything runs from them.
    if (ctx.restore.memory_check.valid()) ctx.restore.memory_check.get();
    if (ctx.criu_binary.empty()) fail(ErrorKind::failed_precondition, "CRIU not found: run scripts/provision-criu.sh or set CRIU.BinaryPath");

    bool made_snapshot = false;
    bool made_container = false;
    const auto undo = [&] {
        try {
            client.remove_task(id);
            if (made_container) client.delete_container(id);
            if (made_snapshot) remove_snapshot(client, t.record.snapshotter(), id);
        } catch (const Error& e) {
            spdlog::warn("containerd: cleaning up after a failed restore of {}: {}", id, e.what());
        }
    };
    try {
        std::vector<Mount> rootfs;
        const ContainerRecord& record = t.record;
        // A container on a directory of the host's has no snapshot: its spec names its root.
        if (t.existing && !record.snapshot_key().empty()) {
            rootfs = snapshot_mounts(client, record.snapshotter(), record.snapshot_key());
        } else if (!t.existing) {
            const Lease lease(client);
            if (!record.snapshot_key().empty()) {
                const auto info = resolve_image(client, record.image());
                rootfs = prepare_snapshot(client, record.snapshotter(), id, info.chain_id);
                made_snapshot = true;
                // An image committed from this very checkpoint (dump --image) has the layer on top already.
                if (t.layer && info.diff_ids.back() != t.layer->digest) {
                    apply_layer(client, write_blob(client, ctx.restore.images / kLayerFile, *t.layer), rootfs);
                }
            }
            client.create_container(record);
            made_container = true;
        }
        ::containerd::runc::v1::Options options;
        options.set_criu_image_path(ctx.restore.images.string());
        options.set_criu_path(ctx.criu_binary);
        // CRIU's log of the restore lands beside the images, where a failure is explained from.
        options.set_criu_work_path(ctx.restore.images.string());
        const std::string packed = options.SerializeAsString();
        // Through the shim's pipes even with nowhere to write (/dev/null): a descriptor of the
        // host's would keep the restored container from being dumped again.
        const std::string out = req.out().empty() ? "/dev/null" : req.out();
        // Its stdin a pipe from the shim too, fed by a FIFO nobody writes to (it reads end of
        // file): given none, the shim hands runc restore the host's /dev/null, which CRIU could
        // not dump again from inside the container.
        // --attach/--attachable: the daemon holds its stdio instead, copying output to --out if given.
        std::optional<AttachableIo> attachable;
        std::optional<util::ScratchDir> fifo_dir;
        util::UniqueFd log;
        TaskIo io;
        if (req.attachable()) {
            attachable.emplace();
            io = attachable->io();
            log = open_output(req.out());
        } else {
            fifo_dir.emplace("cedana-containerd-io");
            const fs::path stdin_fifo = fifo_dir->path() / "stdin";
            if (::mkfifo(stdin_fifo.c_str(), 0600) != 0) fail(ErrorKind::internal, "cannot make a FIFO for the task's stdin: {}", std::strerror(errno));
            io = {stdin_fifo.string(), "file://" + out, "file://" + out};
        }
        client.create_task(id, rootfs, io, &packed);
        resp.set_pid(client.start_task(id));
        if (attachable) ctx.restore.hub = attachable->hub(std::move(log), client, id, resp.pid(), ctx.job_ended);
    } catch (const Error& e) {
        undo();
        ctx.restore.hub.reset();
        const fs::path log = ctx.restore.images / "restore.log";
        if (!fs::exists(log)) throw;
        fail(e.kind(), "{}; nothing was left running. CRIU's log says:{}", e.what(), engine::log_errors(log));
    } catch (...) {
        undo();
        ctx.restore.hub.reset();
        throw;
    }
    // `restore job` keeps the hub for its job (restore_route.cpp); a restore of its own makes
    // the job to attach to, named after the container.
    if (!ctx.restore.job && ctx.restore.hub) {
        ctx.store->add_job({.jid = id, .type = "containerd", .pid = resp.pid(), .command = fmt::format("containerd container {} ({})", id, t.record.image()),
                            .log = req.out(), .attachable = true, .gpu = false, .created_unix = util::unix_seconds(),
                            .exit_status = std::nullopt, .start_ticks = jobs::start_ticks(resp.pid()),
                            .details = {req.details().begin(), req.details().end()}, .migrated_to = {}});
        ctx.keep_hub(id, ctx.restore.hub);
    }
}

}  // namespace

daemon::RestoreKind restore_kind() {
    return {.plugin = "containerd",
            .steps = {{"resolve-containerd", "containerd", resolve_container}},
            .handler = {"containerd-restore", "containerd", restore_task}};
}

}  // namespace cedana::plugins::containerd
