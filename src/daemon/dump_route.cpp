#include "daemon/dump_route.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/adapters.hpp"
#include "daemon/chain_cache.hpp"
#include "daemon/job_routes.hpp"
#include "daemon/kinds.hpp"
#include "engine/criu_log.hpp"
#include "engine/criu_options.hpp"
#include "engine/criu_rpc.hpp"
#include "engine/criu_version.hpp"
#include "images/archive.hpp"
#include "images/compression.hpp"
#include "images/memory_image_capture.hpp"
#include "images/memory_image_follower.hpp"
#include "images/metadata.hpp"
#include "images/shards/shard_format.hpp"
#include "images/shards/sharded_memory_capture.hpp"
#include "images/staging.hpp"
#include "images/streamed_archive.hpp"
#include "pipeline/chain.hpp"
#include "proc/process_info.hpp"
#include "storage/location.hpp"
#include "util/counted_output.hpp"
#include "storage/store_registry.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/file_output.hpp"
#include "util/tee_output.hpp"
#include "util/uuid.hpp"
#include "util/unique_fd.hpp"

namespace cedana::daemon {

namespace fs = std::filesystem;

namespace {

using Next = DumpChain::Next;

constexpr int kSpareMemoryImages = 4;
constexpr std::uint64_t kFollowFrom = 16ull << 20;
const std::uint64_t kPageSize = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));

std::string hostname() {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? name : "";
}

// `dump job`: the job's type and PID decide what is dumped, its id names the checkpoint,
// and the checkpoint is recorded once it is published.
void resolve_job(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    if (!ctx.dump.job) {
        next(ctx, req, resp);
        return;
    }
    const auto& job = ctx.dump.job;
    if (!proc::exists(job->pid)) fail(ErrorKind::failed_precondition, "job {} is not running (its process {} is gone); nothing to dump", job->jid, job->pid);
    req.set_type(job->type);
    req.set_pid(job->pid);
    // What the job recorded about its workload, unless the request says otherwise.
    for (const auto& [key, value] : job->details) req.mutable_details()->insert({key, value});
    if (req.name().empty()) {
        req.set_name(fmt::format("dump-{}-{}-{}", job->type, job->jid, util::unix_seconds()));
    }
    next(ctx, req, resp);
    ctx.store->add_checkpoint({.id = util::new_uuid(), .jid = job->jid, .time_unix = ctx.dump.meta.time_unix, .size = resp.size(),
                               .path = resp.path(), .compression = images::name_of(ctx.dump.compression)});
}

// Keeps what a killed daemon's successor must undo (work_journal.hpp) from here until the
// dump is settled and recorded, or has failed.
void journal(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    if (ctx.store == nullptr) {
        next(ctx, req, resp);
        return;
    }
    ctx.dump.journal = std::make_unique<DumpJournal>(*ctx.store, ctx.dump.job ? ctx.dump.job->jid : "");
    struct Close {
        DumpCtx& ctx;
        ~Close() { ctx.dump.journal.reset(); }
    } close{ctx};
    next(ctx, req, resp);
}

// Before CRIU stops the tree: which processes to continue should the daemon die before it
// settles them. A tree stopped already (cedana freeze) is not ours to continue.
void journal_stops(DumpCtx& ctx) {
    if (!ctx.dump.journal) return;
    const auto& tree = ctx.dump.tree;
    const bool frozen = !tree.empty() && std::ranges::all_of(tree, proc::is_stopped);
    ctx.dump.journal->stops(frozen ? std::vector<int>{} : tree, ctx.dump.final_path, images::name_of(ctx.dump.compression));
}

// Refuses bad input before anything is touched.
void validate(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    if (req.compression().empty()) req.set_compression(ctx.config.checkpoint.compression);
    ctx.dump.compression = images::parse_compression(req.compression());
    const int streams = req.has_streams() ? req.streams() : ctx.config.checkpoint.streams;
    const std::string given = req.has_streams() ? "--streams" : "checkpoint.streams (configuration)";
    if (streams == 1 || streams < 0 || streams > images::shards::kMaxStreams) {
        fail(ErrorKind::invalid_argument, "{} {}: a streamed checkpoint has 2 to {} streams; give 0 (or nothing) for one directory or archive",
             given, streams, images::shards::kMaxStreams);
    }
    ctx.dump.streams = streams;
    if (req.dir().empty()) {
        storage::check_served(ctx.config.checkpoint.dir, "checkpoint.dir");
        req.set_dir(ctx.config.checkpoint.dir);
    } else {
        storage::check_served(req.dir(), "--dir");
    }
    if (!req.name().empty() && (req.name().find('/') != std::string::npos || req.name() == "." || req.name() == "..")) {
        fail(ErrorKind::invalid_argument, "--name \"{}\": a checkpoint name cannot contain '/'", req.name());
    }
    // Parsed now only to refuse unknown options early; applied by the handler.
    criu_opts probe;
    engine::apply_criu_flags(req.criu(), ctx.config.criu.options, probe);
    next(ctx, req, resp);
}

// A remote --dir: the store is asked first (credentials, bucket, a checkpoint of that name),
// CRIU's images are staged in the temporary directory, and the archive or the shards are
// uploaded as they are written. A remote checkpoint is always one object or one set of
// shards, so compression none is sent as a plain tar.
void stage_remote(DumpCtx& ctx, v1::DumpReq& req) {
    const auto url = storage::parse_url(req.dir(), "--dir");
    auto store = storage::open_store(ctx.config, url);
    store->check_access();
    if (ctx.dump.compression == images::Compression::none) ctx.dump.compression = images::Compression::tar;
    const std::string ext = ctx.dump.streams > 0 ? "" : images::extension(ctx.dump.compression);
    const auto target = url.child(req.name() + ext);
    const bool taken = ctx.dump.streams > 0 ? !store->list(target.key + "/").empty() : store->size_of(target.key).has_value();
    if (taken) fail(ErrorKind::invalid_argument, "{} already exists; choose another --name or --dir", target.str());
    ctx.dump.final_path = target.str();
    ctx.dump.remote_key = target.key;
    ctx.dump.staging.emplace(fs::temp_directory_path(), req.name());
    ctx.transfer->begin("uploading to " + target.str(), 0);
    const auto counted = [&ctx](std::unique_ptr<util::ByteOutput> upload) -> std::unique_ptr<util::ByteOutput> {
        return std::make_unique<util::CountedOutput>(std::move(upload), ctx.transfer);
    };
    if (ctx.dump.streams > 0) {
        ctx.dump.shards.emplace([&store, &target, &counted](const std::string& shard) { return counted(store->upload(target.child(shard).key)); },
                                ctx.dump.streams, ctx.dump.compression);
    } else if (const auto codec = images::streamed_codec(ctx.dump.compression)) {
        ctx.dump.archive.emplace(counted(store->upload(target.key)), *codec);
    }
    ctx.dump.remote = std::move(store);
}

void stage(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    if (req.name().empty()) {
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
        req.set_name(fmt::format("dump-{}-{}", req.type(), ns.count()));
    }
    if (!storage::scheme_of(req.dir()).empty()) {
        stage_remote(ctx, req);
        journal_stops(ctx);
        next(ctx, req, resp);
        resp.set_path(ctx.dump.final_path.string());
        return;
    }
    // A streamed checkpoint is a directory of shards, whatever their compression.
    const std::string ext = ctx.dump.streams > 0 ? "" : images::extension(ctx.dump.compression);
    ctx.dump.final_path = fs::path(req.dir()) / (req.name() + ext);
    std::error_code ec;
    if (fs::exists(ctx.dump.final_path, ec)) {
        fail(ErrorKind::invalid_argument, "{} already exists; choose another --name or --dir", ctx.dump.final_path.string());
    }
    ctx.dump.staging.emplace(req.dir(), req.name());
    if (ctx.dump.streams > 0) {
        // In CRIU's images directory, whose image names never look like shards; published
        // with it once the small images have gone into img-0.
        if (ctx.copy_shard) {
            const fs::path dir = ctx.dump.staging->work_dir();
            ctx.dump.shards.emplace(
                [&ctx, dir](const std::string& shard) -> std::unique_ptr<util::ByteOutput> {
                    return std::make_unique<util::TeeOutput>(std::make_unique<util::FileOutput>(dir / shard), ctx.copy_shard(shard));
                },
                ctx.dump.streams, ctx.dump.compression);
        } else {
            ctx.dump.shards.emplace(ctx.dump.staging->work_dir(), ctx.dump.streams, ctx.dump.compression);
        }
    } else if (const auto codec = images::streamed_codec(ctx.dump.compression)) {
        ctx.dump.archive.emplace(ctx.dump.staging->partial_file(), *codec);
    }
    journal_stops(ctx);
    next(ctx, req, resp);
    resp.set_path(ctx.dump.final_path.string());
}

// A streamed checkpoint's small images, CRIU's log and the metadata go into img-0 (the
// memory is in the other shards already), leaving the directory holding only its shards.
void pack_shards(images::shards::ShardSet& shards, const fs::path& dir) {
    const auto names = shards.names();
    std::vector<fs::path> rest;
    for (const auto& file : images::regular_files(dir)) {
        if (std::find(names.begin(), names.end(), file.filename().string()) == names.end()) rest.push_back(file);
    }
    for (const auto& file : rest) shards.put_file(0, file);
    shards.finish();
    for (const auto& file : rest) {
        std::error_code ec;
        if (!fs::remove(file, ec)) fail(ErrorKind::failed_precondition, "cannot remove {} once it is in img-0: {}", file.string(), ec.message());
    }
}

// An archive that cannot be streamed (gzip, zlib) is packed in the staging directory, then
// uploaded front to back.
void upload_file(storage::ObjectStore& store, const std::string& key, const fs::path& file, util::TransferProgress& progress) {
    util::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
    auto upload = store.upload(key);
    progress.begin(progress.snapshot().what, fs::file_size(file));
    std::vector<char> buffer(4u << 20);
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
        if (n == 0) break;
        upload->append(buffer.data(), static_cast<std::size_t>(n));
        progress.add(static_cast<std::uint64_t>(n));
    }
    upload->finish();
}

// On the way back: packs the images into the archive (or publishes the directory as is).
// A remote checkpoint is published by completing its uploads: the shards, img-0 last, or
// the archive.
void pack(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    next(ctx, req, resp);
    auto& staging = *ctx.dump.staging;
    const bool remote = ctx.dump.remote != nullptr;
    if (ctx.dump.shards && remote) {
        try {
            pack_shards(*ctx.dump.shards, staging.work_dir());
        } catch (...) {
            // Shards completed before img-0 failed are not a checkpoint.
            ctx.dump.shards.reset();
            try {
                for (const auto& object : ctx.dump.remote->list(ctx.dump.remote_key + "/")) ctx.dump.remote->remove(object.key);
            } catch (const std::exception& e) {
                spdlog::warn("cannot remove the shards of the failed dump {}: {}", ctx.dump.final_path.string(), e.what());
            }
            throw;
        }
        resp.set_size(ctx.dump.shards->size());
        ctx.dump.shards.reset();
        return;
    }
    if (ctx.dump.shards) {
        pack_shards(*ctx.dump.shards, staging.work_dir());
        resp.set_size(ctx.dump.shards->size());
        ctx.dump.shards.reset();
        staging.publish(staging.work_dir(), ctx.dump.final_path);
        return;
    }
    if (ctx.dump.compression == images::Compression::none) {
        staging.publish(staging.work_dir(), ctx.dump.final_path);
        resp.set_size(resp.image_size());
        return;
    }
    if (ctx.dump.archive) {
        // The images are in the archive already; what CRIU wrote here itself (its log, its
        // statistics) and the metadata follow them.
        ctx.dump.archive->add_files(staging.work_dir());
        ctx.dump.archive->close();
        resp.set_size(ctx.dump.archive->size());
        ctx.dump.archive.reset();
        if (!remote) staging.publish(staging.partial_file(), ctx.dump.final_path);
        return;
    }
    // The staged images are scratch once their checksums are taken (metadata, on the way back
    // before this) and are removed with the staging directory.
    images::pack(staging.work_dir(), staging.partial_file(), ctx.dump.compression, images::PackInput::consume);
    resp.set_size(fs::file_size(staging.partial_file()));
    if (remote) {
        upload_file(*ctx.dump.remote, ctx.dump.remote_key, staging.partial_file(), *ctx.transfer);
        return;
    }
    staging.publish(staging.partial_file(), ctx.dump.final_path);
}

// On the way back: records what was dumped and the checksum of every image.
void write_metadata(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    next(ctx, req, resp);
    auto& meta = ctx.dump.meta;
    meta.type = req.type();
    meta.pid = ctx.dump.process.pid;
    meta.command = ctx.dump.process.command;
    meta.compression = images::name_of(ctx.dump.compression);
    meta.criu_version = engine::criu_version(ctx.criu_binary);
    meta.host = hostname();
    meta.time_unix = util::unix_seconds();
    meta.stdio = ctx.dump.process.stdio;
    meta.streams = ctx.dump.streams;
    std::set<std::string> hashed{images::kMetadataFile};
    for (const auto& [name, sum] : ctx.dump.memory_sums) hashed.insert(name);
    if (ctx.dump.shards) {
        for (const auto& name : ctx.dump.shards->names()) hashed.insert(name);
    }
    meta.files = images::checksum_dir(ctx.dump.staging->work_dir(), hashed);
    meta.files.merge(ctx.dump.memory_sums);
    images::write_metadata(ctx.dump.staging->work_dir(), meta);
    resp.set_image_size(meta.total_size());
}

// The memory images, nearly all of a checkpoint's bytes, are hashed while CRIU writes them:
// as they pass into the shards or the archive, or, for a directory or an archive that cannot be streamed,
// read back from the page cache as CRIU writes them into the staging directory.
// Streamed into shards or into the archive, the FIFOs' capture knows why CRIU failed when it
// stopped first.
template <typename Capture>
void capture_memory(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next, Capture& capture) {
    try {
        next(ctx, req, resp);
    } catch (...) {
        const auto why = capture.error();
        if (!why) throw;
        try {
            std::rethrow_exception(why);
        } catch (const Error& e) {
            fail(e.kind(), "cannot dump PID {}: {}; the process was left running as it was", req.pid(), e.what());
        }
    }
    ctx.dump.memory_sums = capture.finish();
}

void follow_memory(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    // One memory image per process, and a few more for shared memory.
    const int memory_images = static_cast<int>(ctx.dump.tree.size()) + kSpareMemoryImages;
    if (ctx.dump.shards) {
        images::shards::ShardedMemoryCapture capture(ctx.dump.staging->work_dir(), memory_images, *ctx.dump.shards);
        capture_memory(ctx, req, resp, next, capture);
        return;
    }
    if (ctx.dump.archive) {
        images::MemoryImageCapture capture(ctx.dump.staging->work_dir(), memory_images, *ctx.dump.archive);
        capture_memory(ctx, req, resp, next, capture);
        return;
    }
    // A thread and an inotify instance (~0.8 ms) cost more than hashing a few MiB afterwards.
    std::uint64_t resident = 0;
    for (const int pid : ctx.dump.tree) {
        if (const auto st = proc::read_stat(pid)) resident += static_cast<std::uint64_t>(st->rss_pages) * kPageSize;
    }
    if (resident < kFollowFrom) {
        next(ctx, req, resp);
        return;
    }
    images::MemoryImageFollower follower(ctx.dump.staging->work_dir());
    next(ctx, req, resp);
    ctx.dump.memory_sums = follower.finish();
}

// CRIU cannot even log when the disk is full, so its log may not say why it failed.
std::string disk_full_hint(const fs::path& dir) {
    struct statvfs st{};
    if (::statvfs(dir.c_str(), &st) != 0) return "";
    const auto free_bytes = static_cast<unsigned long long>(st.f_bavail) * st.f_frsize;
    return free_bytes < (1ull << 20) ? fmt::format(" (the filesystem of {} is full)", dir.parent_path().string()) : "";
}

}  // namespace

void dump_with_criu(DumpCtx& ctx, const v1::DumpReq& req, int pid, const std::function<void(criu_opts&)>& target_defaults) {
    if (ctx.criu_binary.empty()) fail(ErrorKind::failed_precondition, "CRIU not found: run scripts/provision-criu.sh or set CRIU.BinaryPath");
    const fs::path& dir = ctx.dump.staging->work_dir();
    util::UniqueFd dir_fd(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!dir_fd) fail(ErrorKind::failed_precondition, "cannot open {}: {}", dir.string(), std::strerror(errno));

    criu_req creq;
    creq.set_type(DUMP);
    auto* opts = creq.mutable_opts();
    if (ctx.config.criu.leave_running) opts->set_leave_running(true);
    if (target_defaults) target_defaults(*opts);
    engine::apply_criu_flags(req.criu(), ctx.config.criu.options, *opts);
    ctx.dump.keep_running = opts->leave_running();
    opts->set_leave_running(false);
    opts->set_leave_stopped(true);
    opts->set_images_dir_fd(dir_fd.get());
    opts->set_pid(pid);
    opts->set_log_file("dump.log");
    opts->set_log_level(4);
    ctx.dump.meta.shell_job = opts->shell_job();

    engine::CriuLaunch launch;
    launch.cgroupns_fd = ctx.dump.criu_cgroupns.get();
    if (ctx.dump.journal) launch.started = [journal = ctx.dump.journal.get()](int criu) { journal->runs_criu(criu); };
    criu_resp cresp;
    try {
        cresp = engine::run_criu(ctx.criu_binary, creq, {}, {}, launch);
    } catch (const Error& e) {
        // CRIU died or broke off (killed, out of memory): it never reported the dump done.
        fail(e.kind(), "CRIU could not dump PID {}: {}; the process was left running as it was. CRIU's log says:{}", pid, e.what(),
             engine::log_errors(dir / "dump.log"));
    }
    if (!cresp.success()) {
        fail(ErrorKind::failed_precondition, "CRIU could not dump PID {}{}; the process was left running as it was. CRIU's log says:{}",
             pid, disk_full_hint(dir), engine::log_errors(dir / "dump.log"));
    }
}

namespace {

// A workload type's dump chain: the core's steps around the type's (kinds.hpp).
DumpChain build_chain(const DumpKind& kind) {
    DumpChain built;
    built.use("request-config", "daemon", adapters::request_config)
        .use("plugin", "daemon", adapters::require_plugin(kind.plugin))
        .use("journal", "daemon", journal)
        .use("resolve-job", "jobs", resolve_job)
        .use("validate", "daemon", validate)
        .use("resolve-criu", "criu", adapters::resolve_criu);
    for (const auto& step : kind.steps) built.use(step.name, step.component, step.fn);
    built.use("stage", "images", stage)
        .use("pack", "images", pack)
        .use("metadata", "images", write_metadata)
        .use("follow-memory", "images", follow_memory)
        .handle(kind.handler.name, kind.handler.component, kind.handler.fn);
    return built;
}

}  // namespace

void run_dump(RequestContext& base, v1::DumpReq& req, v1::DumpResp& resp, pipeline::Profile* profile) {
    // A dump's frame buffers (tens of MiB, freed by the time this returns) would otherwise
    // stay in malloc's arenas, and an idle daemon would hold them until the next dump.
    struct TrimOnReturn {
        ~TrimOnReturn() { ::malloc_trim(0); }
    } trim;
    DumpCtx ctx;
    static_cast<RequestContext&>(ctx) = base;
    ctx.dump.job = requested_job(ctx, req.type(), req.jid(), "dump");
    const std::string type = ctx.dump.job ? ctx.dump.job->type : req.type();
    cached_chain<DumpChain>(type, [&type] { return build_chain(dump_kind(type)); }).run(ctx, req, resp, profile);
}

}  // namespace cedana::daemon
