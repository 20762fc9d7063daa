#include "daemon/restore_route.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>
#include <functional>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/adapters.hpp"
#include "daemon/chain_cache.hpp"
#include "daemon/job_routes.hpp"
#include "daemon/kinds.hpp"
#include "daemon/work_journal.hpp"
#include "engine/criu_log.hpp"
#include "engine/criu_options.hpp"
#include "engine/criu_rpc.hpp"
#include "images/architecture.hpp"
#include "images/metadata.hpp"
#include "jobs/process_state.hpp"
#include "images/opened_checkpoint.hpp"
#include "images/served/served_images.hpp"
#include "pipeline/chain.hpp"
#include "proc/process_info.hpp"
#include "proc/process_tree.hpp"
#include "proc/session_holder.hpp"
#include "storage/fetched_checkpoint.hpp"
#include "storage/location.hpp"
#include "storage/store_registry.hpp"
#include "util/error.hpp"
#include "util/owned_children.hpp"
#include "util/unique_fd.hpp"

namespace cedana::daemon {

namespace fs = std::filesystem;

namespace {

using Next = RestoreChain::Next;

// `restore job`: the job's newest checkpoint (or --path), its log file unless --out, and on
// success the job's record follows the process again.
void resolve_job(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    if (!ctx.restore.job) {
        next(ctx, req, resp);
        return;
    }
    auto& job = ctx.restore.job;
    if (req.path().empty()) {
        const auto checkpoints = ctx.store->checkpoints(job->jid);
        if (checkpoints.empty()) fail(ErrorKind::failed_precondition, "job {} has no checkpoints; dump it first (cedana dump job {})", job->jid, job->jid);
        req.set_path(checkpoints.front().path);
    }
    // Output goes to --out, else the job's log file; an attachable restore keeps it in the
    // daemon (and in --out only when asked).
    if (req.out().empty() && !req.attachable()) {
        req.set_out(job->log.empty() ? fmt::format("/var/log/cedana-output-{}.log", job->jid) : job->log);
        ctx.restore.out_from_job = true;
    }
    if (req.attachable() && !ctx.keep_hub) fail(ErrorKind::unimplemented, "--attach and --attachable need the daemon");
    req.set_type(job->type);
    for (const auto& [key, value] : job->details) req.mutable_details()->insert({key, value});
    std::optional<RestoreJournal> journal;
    if (ctx.store != nullptr) ctx.restore.journal = &journal.emplace(*ctx.store, job->jid, req.out());
    struct Close {
        RestoreCtx& ctx;
        ~Close() { ctx.restore.journal = nullptr; }
    } close{ctx};
    next(ctx, req, resp);
    if (ctx.restore.hub) ctx.keep_hub(job->jid, ctx.restore.hub);
    job->attachable = req.attachable();
    job->pid = resp.pid();
    job->start_ticks = jobs::start_ticks(resp.pid());
    job->exit_status.reset();
    job->log = req.out();
    // The plugin may have settled what the job's workload is now (a container's new id).
    for (const auto& [key, value] : req.details()) job->details[key] = value;
    ctx.store->update_job(*job);
}

void validate(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    if (req.path().empty()) fail(ErrorKind::invalid_argument, "--path is required: the checkpoint directory or archive to restore");
    storage::check_served(req.path(), "--path");
    criu_opts probe;
    engine::apply_criu_flags(req.criu(), ctx.config.criu.options, probe);
    next(ctx, req, resp);
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
    return text;
}

// A remote --path: an archive is downloaded into a scratch directory first, a streamed
// checkpoint's memory shards are read from the store as CRIU restores (storage/
// fetched_checkpoint.hpp); errors name the remote checkpoint.
void fetch_remote(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    if (storage::scheme_of(req.path()).empty()) {
        next(ctx, req, resp);
        return;
    }
    const std::string remote = req.path();
    const auto url = storage::parse_url(remote, "--path");
    const auto store = storage::open_store(ctx.config, url);
    const storage::FetchedCheckpoint local(*store, url, ctx.transfer.get());
    // The opened checkpoint (a FUSE mount, an extraction) lives in the local copy: it goes
    // first.
    struct Release {
        RestoreCtx& ctx;
        ~Release() {
            ctx.restore.memory_check = {};
            ctx.restore.checkpoint.reset();
        }
    } release{ctx};
    req.set_path(local.path().string());
    try {
        local.open(ctx.restore.checkpoint);
        next(ctx, req, resp);
    } catch (const Error& e) {
        req.set_path(remote);
        fail(e.kind(), "{}", replace_all(e.what(), local.path().string(), remote));
    }
    req.set_path(remote);
}

void open_checkpoint(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    if (!ctx.restore.checkpoint) ctx.restore.checkpoint.emplace(req.path());
    ctx.restore.images = ctx.restore.checkpoint->dir();
    next(ctx, req, resp);
}

// Below this much memory, checking it takes less than handing the check to a thread and
// waiting for it at CRIU's notification.
constexpr std::uint64_t kBackgroundCheckFrom = 16ull << 20;

void verify(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    const fs::path& dir = ctx.restore.images;
    if (fs::exists(dir / images::kMetadataFile)) {
        ctx.restore.meta = images::read_metadata(dir);
        if (ctx.restore.meta->type != req.type()) {
            fail(ErrorKind::invalid_argument, "{} is a {} checkpoint, not a {} one", req.path(), ctx.restore.meta->type, req.type());
        }
        // Only the memory images (nearly all the bytes) are checked while CRIU restores: they
        // make nothing but the process's own memory, and criu_restore stops CRIU before the
        // process resumes until the check is done. The rest is checked before CRIU reads it.
        std::uint64_t memory_bytes = 0;
        for (const auto& [name, sum] : ctx.restore.meta->files) {
            if (images::is_memory_image(name)) memory_bytes += sum.size;
        }
        if (auto* served = ctx.restore.checkpoint->served()) {
            // Served images are hashed as CRIU reads them; the rest of the check is deferred
            // to CRIU's notification, where nothing is left to read twice.
            images::verify_images(dir, *ctx.restore.meta, images::ImageSet::all_but_memory);
            images::verify_image_sizes(dir, *ctx.restore.meta, images::ImageSet::memory);
            ctx.restore.memory_check = std::async(std::launch::deferred, [served, files = ctx.restore.meta->files] { served->verify(files); });
        } else if (memory_bytes < kBackgroundCheckFrom) {
            images::verify_images(dir, *ctx.restore.meta);
        } else {
            images::verify_images(dir, *ctx.restore.meta, images::ImageSet::all_but_memory);
            images::verify_image_sizes(dir, *ctx.restore.meta, images::ImageSet::memory);
            // One core is left to CRIU, which restores on one thread.
            const unsigned threads = std::max(2u, std::thread::hardware_concurrency()) - 1;
            ctx.restore.memory_check = std::async(std::launch::async, [dir, meta = *ctx.restore.meta, threads] {
                images::verify_images(dir, meta, images::ImageSet::memory, threads);
            });
        }
        // The core images are verified by now: what they say is what the dump wrote.
        images::check_architecture(dir, ctx.restore.meta->pid, req.path());
    } else if (fs::exists(dir / "inventory.img")) {
        spdlog::warn("{} has no {}: restoring plain CRIU images without verifying them", req.path(), images::kMetadataFile);
    } else {
        fail(ErrorKind::invalid_argument, "{} is not a checkpoint: it holds neither {} nor CRIU images", req.path(), images::kMetadataFile);
    }
    next(ctx, req, resp);
}

// A failed restore's root task was already forked as our child (restore-as-sibling) when
// CRIU killed it; without this wait it would stay behind as a zombie.
void reap_failed_root(int pid) {
    if (proc::parent_of(pid) == ::getpid()) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    util::owned_children().disown(pid);
}

// A CRIU that broke off (killed, crashed) leaves the tasks it was restoring waiting in its
// restorer for ever, where a CRIU that fails kills them itself. Only a task that is the
// restore's own (our child, or the session holder's) can be one of them: the checkpointed
// process was gone before the restore began.
void end_orphaned_restore(int root, int holder) {
    const int parent = proc::parent_of(root);
    if (parent == ::getpid() || (holder > 0 && parent == holder)) proc::signal_tree(root, SIGKILL);
}

// CRIU's log of a restore stays with the checkpoint: in a checkpoint directory it is written
// there (a streamed one's is extracted elsewhere, so the log is copied in); an archive is
// not rewritten, so the log goes beside it as <archive>.restore.log.
void keep_restore_log(const images::OpenedCheckpoint& checkpoint, const std::string& path) {
    if (checkpoint.format() == images::Compression::none && !checkpoint.streamed()) return;
    std::error_code ec;
    const fs::path kept = checkpoint.streamed() ? fs::path(path) / "restore.log" : fs::path(path + ".restore.log");
    fs::copy_file(checkpoint.dir() / "restore.log", kept, fs::copy_options::overwrite_existing, ec);
    if (ec) spdlog::warn("cannot keep CRIU's restore log beside {}: {}", path, ec.message());
}

}  // namespace

void restore_with_criu(RestoreCtx& ctx, const v1::RestoreReq& req, v1::RestoreResp& resp,
                       const std::function<void(criu_opts&)>& target_defaults) {
    if (ctx.criu_binary.empty()) fail(ErrorKind::failed_precondition, "CRIU not found: run scripts/provision-criu.sh or set CRIU.BinaryPath");
    const fs::path& dir = ctx.restore.images;
    util::UniqueFd dir_fd(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!dir_fd) fail(ErrorKind::failed_precondition, "cannot open {}: {}", dir.string(), std::strerror(errno));

    criu_req creq;
    creq.set_type(RESTORE);
    auto* opts = creq.mutable_opts();
    if (target_defaults) target_defaults(*opts);
    engine::apply_criu_flags(req.criu(), ctx.config.criu.options, *opts);
    opts->set_images_dir_fd(dir_fd.get());
    opts->set_log_file("restore.log");
    opts->set_log_level(4);
    // The restored process becomes a sibling of CRIU: a child of this process (the daemon, or
    // the CLI with --no-server), which reaps it, or of the session holder, which we reap.
    opts->set_rst_sibling(true);
    // CRIU's post-restore notification comes once memory is restored and before the process
    // resumes; refusing it makes CRIU kill what it restored.
    engine::NotifyFn notify;
    if (ctx.restore.memory_check.valid() || ctx.restore.notify) {
        opts->set_notify_scripts(true);
        notify = [&check = ctx.restore.memory_check, &plugin = ctx.restore.notify](engine::Notification& note) {
            if (note.script == "post-restore" && check.valid()) check.get();
            if (plugin) plugin(note);
        };
    }

    // The restored root becomes our child with its old PID: owned before it exists, so that
    // the daemon's sweep of orphans (util/owned_children.hpp) leaves it to whoever adopts it.
    if (ctx.restore.meta) util::owned_children().own(ctx.restore.meta->pid);
    if (ctx.restore.journal) ctx.restore.launch.started = [journal = ctx.restore.journal](int pid) { journal->runs_criu(pid); };
    criu_resp cresp;
    try {
        cresp = engine::run_criu(ctx.criu_binary, creq, ctx.restore.inherit, notify, ctx.restore.launch);
    } catch (...) {
        if (ctx.restore.meta) end_orphaned_restore(ctx.restore.meta->pid, ctx.restore.launch.launcher_pid);
        if (ctx.restore.launch.launcher_pid > 0) reap_failed_root(ctx.restore.launch.launcher_pid);
        if (ctx.restore.meta) reap_failed_root(ctx.restore.meta->pid);
        throw;
    }
    keep_restore_log(*ctx.restore.checkpoint, req.path());
    // The holder exits by itself once its children are gone; whoever adopts children reaps it.
    const int holder = ctx.restore.launch.launcher_pid;
    if (!cresp.success()) {
        if (holder > 0) reap_failed_root(holder);
        if (ctx.restore.meta) reap_failed_root(ctx.restore.meta->pid);
        // CRIU failing on a corrupted memory image is best explained by the image.
        if (ctx.restore.memory_check.valid()) ctx.restore.memory_check.get();
        fail(ErrorKind::failed_precondition, "CRIU could not restore {}; nothing was left running. CRIU's log says:{}", req.path(),
             engine::log_errors(dir / "restore.log"));
    }
    resp.set_pid(cresp.restore().pid());
    if (ctx.restore.journal) ctx.restore.journal->restored(resp.pid());
    if (ctx.restore.meta && ctx.restore.meta->pid != resp.pid()) {
        util::owned_children().own(resp.pid());
        util::owned_children().disown(ctx.restore.meta->pid);
    }
    if (ctx.adopt_child) ctx.adopt_child(holder > 0 ? holder : resp.pid());
    if (ctx.restore.pty) {
        // Only the process holds the slave now, so the relay ends when the process does.
        auto relay = std::make_unique<proc::TtyRelay>(std::move(ctx.restore.pty->master), std::move(ctx.restore.pty_out));
        if (ctx.keep_relay) ctx.keep_relay(std::move(relay));
    }
}

namespace {

// A workload type's restore chain: the core's steps around the type's (kinds.hpp).
RestoreChain build_chain(const RestoreKind& kind) {
    RestoreChain built;
    built.use("request-config", "daemon", adapters::request_config)
        .use("plugin", "daemon", adapters::require_plugin(kind.plugin))
        .use("resolve-job", "jobs", resolve_job)
        .use("validate", "daemon", validate)
        .use("resolve-criu", "criu", adapters::resolve_criu)
        .use("fetch", "storage", fetch_remote)
        .use("open-checkpoint", "images", open_checkpoint)
        .use("verify", "images", verify);
    for (const auto& step : kind.steps) built.use(step.name, step.component, step.fn);
    built.handle(kind.handler.name, kind.handler.component, kind.handler.fn);
    return built;
}

}  // namespace

void run_restore(RequestContext& base, v1::RestoreReq& req, v1::RestoreResp& resp, pipeline::Profile* profile) {
    RestoreCtx ctx;
    static_cast<RequestContext&>(ctx) = base;
    ctx.restore.job = requested_job(ctx, req.type(), req.jid(), "restore");
    const std::string type = ctx.restore.job ? ctx.restore.job->type : req.type();
    cached_chain<RestoreChain>(type, [&type] { return build_chain(restore_kind(type)); }).run(ctx, req, resp, profile);
}

}  // namespace cedana::daemon
