#include "daemon/migrate_route.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/client.hpp"
#include "daemon/adapters.hpp"
#include "daemon/dump_route.hpp"
#include "daemon/job_routes.hpp"
#include "daemon/restore_route.hpp"
#include "images/archive.hpp"
#include "pipeline/chain.hpp"
#include "storage/location.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/leftovers.hpp"
#include "util/unique_fd.hpp"
#include "util/uuid.hpp"
#include "util/write_all.hpp"

namespace cedana::daemon {

namespace fs = std::filesystem;

namespace {

// A gRPC message holds up to 4 MiB by default; 1 MiB pieces keep the stream moving.
constexpr std::size_t kChunk = 1u << 20;
constexpr const char* kDefaultCompression = "lz4";
constexpr int kDefaultStreams = 2;

// Where a migration's checkpoint lives on either side: the configured directory, or the
// temporary one when that is remote storage (the files go over the daemons' own API).
fs::path local_checkpoint_dir(const config::Config& config) {
    if (storage::scheme_of(config.checkpoint.dir).empty() && !config.checkpoint.dir.empty()) return config.checkpoint.dir;
    return fs::temp_directory_path();
}

bool plain_name(const std::string& name) { return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos; }

// The target daemon's connection, in the shape the CLI's client takes.
config::Config target_config(const config::Config& base, const v1::MigrateReq& req) {
    config::Config c = base;
    c.address = req.to();
    c.protocol = !req.to_protocol().empty() ? req.to_protocol() : (req.to().find('/') != std::string::npos ? "unix" : "tcp");
    c.connection.auth_token = req.to_auth_token();
    c.connection.auth_token_file.clear();
    c.connection.tls = req.to_tls();
    c.connection.tls_ca = req.to_tls_ca();
    c.connection.tls_client_cert.clear();
    c.connection.tls_client_key.clear();
    return c;
}

// Sends the checkpoint at `path` (an archive, or a directory of files) as chunks; false
// when the stream broke (Finish() says why).
bool send_checkpoint(grpc::ClientWriter<v1::ReceiveJobReq>& writer, const fs::path& path, std::uint64_t& sent, util::TransferProgress& progress) {
    std::vector<std::pair<std::string, fs::path>> files;
    if (fs::is_directory(path)) {
        for (const auto& file : images::regular_files(path)) files.emplace_back(file.filename().string(), file);
    } else {
        files.emplace_back("", path);
    }
    std::uint64_t total = 0;
    for (const auto& [name, file] : files) total += fs::file_size(file);
    progress.begin(progress.snapshot().what, total);
    std::string buffer(kChunk, '\0');
    for (const auto& [name, file] : files) {
        const util::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
        bool any = false;
        for (;;) {
            const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
            // An empty file still needs its one chunk, so that the target creates it.
            if (n == 0 && any) break;
            v1::ReceiveJobReq msg;
            msg.mutable_chunk()->set_file(name);
            msg.mutable_chunk()->set_data(buffer.data(), static_cast<std::size_t>(n));
            if (!writer.Write(msg)) return false;
            sent += static_cast<std::uint64_t>(n);
            progress.add(static_cast<std::uint64_t>(n));
            any = true;
            if (n == 0) break;
        }
    }
    v1::ReceiveJobReq done;
    done.set_done(true);
    return writer.Write(done);
}

// One connection to the target shared by the shards of a dump being written: each hands
// its bytes, at their offsets, as messages of at most kChunk bytes to a queue that one
// thread writes to the stream (a gRPC stream takes one Write at a time), so that a shard's
// writer, and CRIU behind it, waits for the stream only when kQueued messages are ahead.
// Memory bound: kQueued × kChunk (32 MiB).
class ShardStream {
public:
    static constexpr std::size_t kQueued = 32;

    ShardStream(grpc::ClientWriter<v1::ReceiveJobReq>& writer, std::string to, util::TransferProgress& progress)
        : writer_(writer), to_(std::move(to)), progress_(progress), sender_([this] { run(); }) {}
    ~ShardStream() { close(); }
    ShardStream(const ShardStream&) = delete;
    ShardStream& operator=(const ShardStream&) = delete;

    void send(const std::string& file, std::uint64_t offset, const char* data, std::size_t size) {
        do {
            const std::size_t n = std::min(size, kChunk);
            v1::ReceiveJobReq msg;
            auto* chunk = msg.mutable_chunk();
            chunk->set_file(file);
            chunk->set_offset(offset);
            chunk->set_data(data, n);
            std::unique_lock lock(mutex_);
            room_.wait(lock, [this] { return queue_.size() < kQueued || broken_; });
            if (broken_) fail(ErrorKind::failed_precondition, "the connection to {} broke off while the checkpoint was sent", to_);
            queue_.push_back(std::move(msg));
            lock.unlock();
            ready_.notify_one();
            offset += n;
            data += n;
            size -= n;
        } while (size > 0);
    }
    // Waits until everything queued is written; false when the stream broke. The stream is
    // the caller's again afterwards.
    bool close() {
        {
            const std::lock_guard lock(mutex_);
            closing_ = true;
        }
        ready_.notify_all();
        if (sender_.joinable()) sender_.join();
        return !broken_;
    }
    [[nodiscard]] std::uint64_t sent() const { return sent_; }

private:
    void run() {
        std::unique_lock lock(mutex_);
        for (;;) {
            ready_.wait(lock, [this] { return !queue_.empty() || closing_; });
            if (queue_.empty()) return;
            v1::ReceiveJobReq msg = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            room_.notify_all();
            const std::size_t n = msg.chunk().data().size();
            const bool ok = writer_.Write(msg);
            lock.lock();
            if (!ok) {
                broken_ = true;
                queue_.clear();
                room_.notify_all();
                return;
            }
            sent_ += n;
            progress_.add(n);
        }
    }

    grpc::ClientWriter<v1::ReceiveJobReq>& writer_;
    std::string to_;
    util::TransferProgress& progress_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable room_;
    std::deque<v1::ReceiveJobReq> queue_;
    bool closing_ = false;
    bool broken_ = false;
    std::uint64_t sent_ = 0;
    std::thread sender_;  // last: it runs on the members above
};

// A shard as the target gets it; reserved room goes out when it is filled.
class SentShard final : public util::ByteOutput {
public:
    SentShard(ShardStream& stream, std::string file) : stream_(stream), file_(std::move(file)) {}

    void append(const char* data, std::size_t size) override {
        // An empty file still needs its one piece, so that the target creates it.
        if (size == 0 && size_ > 0) return;
        stream_.send(file_, size_, data, size);
        size_ += size;
    }
    std::uint64_t reserve(std::size_t size) override {
        const std::uint64_t at = size_;
        size_ += size;
        return at;
    }
    void fill(std::uint64_t offset, const char* data, std::size_t size) override { stream_.send(file_, offset, data, size); }
    void finish() override {}
    [[nodiscard]] std::uint64_t size() const override { return size_; }

private:
    ShardStream& stream_;
    std::string file_;
    std::uint64_t size_ = 0;
};

// Ends the call once everything was written (`ok`: every Write went through): empty when
// the target took the job, else what failed, in the target's words where it said any.
std::string end_call(grpc::ClientWriter<v1::ReceiveJobReq>& writer, bool ok, util::TransferProgress& progress, const cli::Client& target) {
    if (ok) ok = writer.WritesDone();
    progress.end();
    try {
        target.check_status(writer.Finish());
    } catch (const Error& e) {
        return e.what();
    }
    return ok ? "" : "the connection broke off";
}

// After a failed migration: the job back here from its checkpoint, or why it could not be.
std::string restore_here(RequestContext& ctx, const std::string& jid, const std::string& path) {
    v1::RestoreReq req;
    req.set_type("job");
    req.set_jid(jid);
    req.set_path(path);
    v1::RestoreResp resp;
    try {
        run_restore(ctx, req, resp, nullptr);
        return fmt::format("the job runs here again (PID {}), restored from {}", resp.pid(), path);
    } catch (const Error& e) {
        return fmt::format("restoring it here from {} failed too: {}", path, e.what());
    }
}

void migrate(RequestContext& ctx, v1::MigrateReq& req, v1::MigrateResp& resp) {
    auto& store = store_of(ctx);
    const auto job = requested_job(ctx, "job", req.jid(), "migrate");
    if (!job_running(*job)) fail(ErrorKind::failed_precondition, "job {} is not running; there is nothing to migrate", req.jid());
    // Before the job is touched: the target answers, takes the token, has no such job. Its
    // errors are never this daemon's "unavailable", which the CLI would take for its own.
    std::optional<cli::Client> target;
    v1::ListJobsResp there;
    try {
        target.emplace(target_config(ctx.config, req), "", false);
        there = target->list_jobs({});
    } catch (const Error& e) {
        fail(ErrorKind::failed_precondition, "cannot migrate job {}: the daemon at {} cannot be used: {}", req.jid(), req.to(), e.what());
    }
    const auto taken = std::ranges::any_of(there.jobs(), [&req](const v1::JobInfo& j) { return j.jid() == req.jid(); });
    if (taken) fail(ErrorKind::invalid_argument, "cannot migrate job {}: the daemon at {} has a job {} already", req.jid(), req.to(), req.jid());

    v1::DumpReq dump;
    dump.set_type("job");
    dump.set_jid(req.jid());
    dump.set_dir(local_checkpoint_dir(ctx.config).string());
    // Nanoseconds: a migration that failed and came back leaves its checkpoint, and the
    // next try may come within the same second.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch());
    dump.set_name(fmt::format("migrate-{}-{}", req.jid(), ns.count()));
    dump.set_compression(req.compression().empty() ? kDefaultCompression : req.compression());
    dump.set_streams(req.has_streams() ? req.streams() : kDefaultStreams);
    v1::ReceiveJobReq header;
    auto* out = header.mutable_job();
    out->set_jid(job->jid);
    out->set_type(job->type);
    out->set_pid(job->pid);
    out->set_command(job->command);
    out->set_log(job->log);
    out->set_gpu(job->gpu);
    out->set_created_unix(job->created_unix);
    for (const auto& [key, value] : job->details) (*out->mutable_details())[key] = value;
    out->set_compression(dump.compression());

    grpc::ClientContext call;
    v1::ReceiveJobResp received;
    std::uint64_t sent = 0;
    std::string failure;
    v1::DumpResp dumped;
    fs::path checkpoint;
    if (dump.streams() > 0) {
        // The shards go to the target as CRIU dumps (and into the checkpoint here, from which
        // the job comes back if the target fails); the target restores once they are whole.
        out->set_checkpoint(dump.name());
        out->set_checkpoint_is_dir(true);
        std::unique_ptr<grpc::ClientWriter<v1::ReceiveJobReq>> writer;
        try {
            writer = target->receive_job(call, received);
        } catch (const Error& e) {
            fail(ErrorKind::failed_precondition, "cannot migrate job {}: the daemon at {} cannot be used: {}", req.jid(), req.to(), e.what());
        }
        ctx.transfer->begin("sending to " + req.to(), 0);
        // Before the stream's own thread writes to it.
        const bool header_sent = writer->Write(header);
        ShardStream stream(*writer, req.to(), *ctx.transfer);
        RequestContext sending = ctx;
        sending.copy_shard = [&stream](const std::string& shard) { return std::make_unique<SentShard>(stream, shard); };
        try {
            if (!header_sent) fail(ErrorKind::failed_precondition, "the connection to {} broke off before the checkpoint was sent", req.to());
            run_dump(sending, dump, dumped, nullptr);
        } catch (const Error& e) {
            ctx.transfer->end();
            // The target ended the call (its answer says why), or the dump failed here: then
            // the call is cancelled, and the target drops what arrived either way.
            std::string why = e.what();
            if (!stream.close()) {
                try {
                    target->check_status(writer->Finish());
                } catch (const Error& there) {
                    why = there.what();
                }
            } else {
                call.TryCancel();
            }
            fail(e.kind(), "cannot migrate job {} to {}: {}; the job runs on here, its dump undone", req.jid(), req.to(), why);
        }
        checkpoint = dumped.path();
        v1::ReceiveJobReq done;
        done.set_done(true);
        const bool intact = stream.close();
        failure = end_call(*writer, intact && writer->Write(done), *ctx.transfer, *target);
        sent = stream.sent();
    } else {
        run_dump(ctx, dump, dumped, nullptr);
        checkpoint = dumped.path();
        out->set_checkpoint(checkpoint.filename().string());
        out->set_checkpoint_is_dir(fs::is_directory(checkpoint));
        try {
            const auto writer = target->receive_job(call, received);
            ctx.transfer->begin("sending to " + req.to(), 0);
            failure = end_call(*writer, writer->Write(header) && send_checkpoint(*writer, checkpoint, sent, *ctx.transfer), *ctx.transfer, *target);
        } catch (const Error& e) {
            failure = e.what();
        }
    }
    if (!failure.empty()) {
        spdlog::warn("migration of job {} to {} failed: {}", req.jid(), req.to(), failure);
        fail(ErrorKind::failed_precondition, "cannot migrate job {} to {}: {}; {}", req.jid(), req.to(), failure,
             restore_here(ctx, req.jid(), checkpoint.string()));
    }

    // The job is the target's now; its checkpoint here is not needed by anyone.
    auto moved = *store.job(req.jid());
    moved.migrated_to = req.to();
    store.update_job(moved);
    for (const auto& c : store.checkpoints(req.jid())) {
        if (c.path != checkpoint.string()) continue;
        store.remove_checkpoint(c.id);
        std::error_code ec;
        fs::remove_all(checkpoint, ec);
        if (ec) spdlog::warn("cannot remove {} after migrating job {}: {}", checkpoint.string(), req.jid(), ec.message());
    }
    resp.set_jid(req.jid());
    resp.set_pid(received.pid());
    resp.set_bytes(sent);
}

// What a target writes while the files arrive: a hidden partial name beside the final one,
// renamed into place once every byte is there, removed otherwise.
class IncomingCheckpoint {
public:
    IncomingCheckpoint(const fs::path& dir, const v1::MigratedJob& job) : final_(dir / job.checkpoint()), is_dir_(job.checkpoint_is_dir()) {
        if (!plain_name(job.checkpoint())) fail(ErrorKind::invalid_argument, "migration of job {}: bad checkpoint name \"{}\"", job.jid(), job.checkpoint());
        std::error_code ec;
        if (fs::exists(final_, ec)) fail(ErrorKind::invalid_argument, "migration of job {}: {} exists here already", job.jid(), final_.string());
        partial_ = dir / fmt::format(".{}.receiving-{}", job.checkpoint(), util::new_uuid());
        leftover_ = util::Leftover({partial_});
        if (is_dir_) {
            fs::create_directory(partial_, ec);
            if (ec) fail(ErrorKind::failed_precondition, "cannot create {}: {}", partial_.string(), ec.message());
        }
    }
    ~IncomingCheckpoint() {
        fd_.reset();
        std::error_code ec;
        if (!partial_.empty()) fs::remove_all(partial_, ec);
    }
    IncomingCheckpoint(const IncomingCheckpoint&) = delete;
    IncomingCheckpoint& operator=(const IncomingCheckpoint&) = delete;

    void write(const v1::CheckpointChunk& chunk) {
        if (is_dir_ != !chunk.file().empty() || (is_dir_ && !plain_name(chunk.file()))) {
            fail(ErrorKind::invalid_argument, "migration: a piece for \"{}\" does not belong in {}", chunk.file(), final_.string());
        }
        if (chunk.has_offset()) {
            write_at(chunk);
            return;
        }
        if (!fd_ || chunk.file() != file_) {
            const fs::path path = is_dir_ ? partial_ / chunk.file() : partial_;
            // Each file arrives whole before the next: a file seen again would be overwritten.
            fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
            if (!fd_) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.string(), std::strerror(errno));
            file_ = chunk.file();
            offset_ = 0;
        }
        util::pwrite_all(fd_.get(), chunk.data().data(), chunk.data().size(), offset_, final_);
        offset_ += chunk.data().size();
        bytes_ += chunk.data().size();
    }

    // Every byte arrived: the checkpoint takes its name.
    const fs::path& publish() {
        fd_.reset();
        at_offsets_.clear();
        std::error_code ec;
        fs::rename(partial_, final_, ec);
        if (ec) fail(ErrorKind::failed_precondition, "cannot rename {} to {}: {}", partial_.string(), final_.string(), ec.message());
        partial_.clear();
        return final_;
    }
    [[nodiscard]] std::uint64_t bytes() const { return bytes_; }

private:
    // A piece of a file whose pieces come in any order (a shard sent while it is written).
    void write_at(const v1::CheckpointChunk& chunk) {
        if (!is_dir_) fail(ErrorKind::invalid_argument, "migration: pieces at offsets belong to a checkpoint directory, not to {}", final_.string());
        auto& fd = at_offsets_[chunk.file()];
        if (!fd) {
            const fs::path path = partial_ / chunk.file();
            fd.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
            if (!fd) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.string(), std::strerror(errno));
        }
        util::pwrite_all(fd.get(), chunk.data().data(), chunk.data().size(), chunk.offset(), final_);
        bytes_ += chunk.data().size();
    }

    fs::path final_;
    fs::path partial_;
    util::Leftover leftover_;  // partial_, until it is published or removed
    bool is_dir_;
    util::UniqueFd fd_;
    std::string file_;
    std::uint64_t offset_ = 0;
    std::map<std::string, util::UniqueFd> at_offsets_;
    std::uint64_t bytes_ = 0;
};

// `first` is the stream's first message, the job's record; `read` gives the rest.
void receive(RequestContext& ctx, const v1::ReceiveJobReq& first, const std::function<bool(v1::ReceiveJobReq&)>& read, v1::ReceiveJobResp& resp) {
    auto& store = store_of(ctx);
    if (!first.has_job()) fail(ErrorKind::invalid_argument, "migration: the job's record must come first");
    const v1::MigratedJob& job = first.job();
    if (job.jid().empty()) fail(ErrorKind::invalid_argument, "migration: the job has no id");
    check_new_jid(store, job.jid());
    v1::ReceiveJobReq msg;
    const fs::path dir = local_checkpoint_dir(ctx.config);
    std::optional<IncomingCheckpoint> incoming(std::in_place, dir, job);
    bool done = false;
    while (!done && read(msg)) {
        if (msg.has_chunk()) {
            incoming->write(msg.chunk());
        } else if (msg.has_done()) {
            done = true;
        } else {
            fail(ErrorKind::invalid_argument, "migration of job {}: a second record in the stream", job.jid());
        }
    }
    if (!done) fail(ErrorKind::failed_precondition, "migration of job {}: the stream ended before the whole checkpoint arrived", job.jid());
    const std::uint64_t bytes = incoming->bytes();
    const fs::path path = incoming->publish();
    // Removes what arrived unless the job runs here at the end.
    struct Undo {
        jobs::Store& store;
        std::string jid;
        fs::path path;
        bool keep = false;
        ~Undo() {
            if (keep) return;
            store.remove_job(jid);
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    } undo{store, job.jid(), path};

    jobs::Job record{.jid = job.jid(), .type = job.type(), .pid = job.pid(), .command = job.command(), .log = job.log(),
                     .attachable = false, .gpu = job.gpu(), .created_unix = job.created_unix(), .exit_status = std::nullopt,
                     .start_ticks = 0, .details = {job.details().begin(), job.details().end()}, .migrated_to = {}};
    store.add_job(record);
    store.add_checkpoint({.id = util::new_uuid(), .jid = job.jid(), .time_unix = util::unix_seconds(), .size = bytes, .path = path.string(),
                          .compression = job.compression()});
    v1::RestoreReq restore;
    restore.set_type("job");
    restore.set_jid(job.jid());
    restore.set_path(path.string());
    v1::RestoreResp restored;
    run_restore(ctx, restore, restored, nullptr);
    undo.keep = true;
    resp.set_pid(restored.pid());
    spdlog::info("job {} migrated here: restored as PID {} from {}", job.jid(), restored.pid(), path.string());
}

}  // namespace

void migrate_job(RequestContext& ctx, v1::MigrateReq& req, v1::MigrateResp& resp, pipeline::Profile* profile) {
    using Chain = pipeline::Chain<RequestContext, v1::MigrateReq, v1::MigrateResp>;
    Chain chain;
    chain.use("request-config", "daemon", adapters::request_config)
        .use("validate", "jobs",
             [](RequestContext& c, v1::MigrateReq& q, v1::MigrateResp& r, const Chain::Next& next) {
                 if (q.jid().empty()) fail(ErrorKind::invalid_argument, "migrate job: name the job");
                 if (q.to().empty()) fail(ErrorKind::invalid_argument, "migrate job {}: --to names the daemon to move it to", q.jid());
                 next(c, q, r);
             })
        .handle("migrate", "jobs", migrate);
    chain.run(ctx, req, resp, profile);
}

void receive_job(RequestContext& ctx, const std::function<bool(v1::ReceiveJobReq&)>& read, v1::ReceiveJobResp& resp) {
    v1::ReceiveJobReq first;
    if (!read(first)) fail(ErrorKind::invalid_argument, "migration: the stream ended before the job's record");
    using Chain = pipeline::Chain<RequestContext, v1::ReceiveJobReq, v1::ReceiveJobResp>;
    Chain chain;
    chain.use("request-config", "daemon", adapters::request_config)
        .handle("receive-job", "jobs",
                [&read](RequestContext& c, v1::ReceiveJobReq& q, v1::ReceiveJobResp& r) { receive(c, q, read, r); });
    chain.run(ctx, first, resp, nullptr);
}

}  // namespace cedana::daemon
