#include "plugins/runc/jobs.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "daemon/io_hub.hpp"
#include "daemon/job_routes.hpp"
#include "jobs/output_relay.hpp"
#include "jobs/process_state.hpp"
#include "jobs/spawn.hpp"
#include "plugins/runc/access.hpp"
#include "plugins/runc/bundle.hpp"
#include "plugins/runc/container.hpp"
#include "plugins/runc/details.hpp"
#include "plugins/runc/runtime.hpp"
#include "proc/process_info.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/scratch_dir.hpp"
#include "util/owned_children.hpp"
#include "util/text_file.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::RequestContext;

namespace {

using namespace std::chrono_literals;

// How long `manage runc --upcoming` waits for the container to appear and start.
constexpr auto kUpcomingWait = 60s;
constexpr auto kUpcomingPoll = 50ms;

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail(ErrorKind::internal, "cannot wait for runc (PID {}): {}", pid, std::strerror(errno));
    }
    util::owned_children().disown(pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Removes what a failed start left under runc's root; the failure itself is what the user hears of.
void remove_container(const std::string& root, const std::string& id) {
    try {
        if (find_container(root, id)) run_runc(root, {"delete", "--force", id});
    } catch (const Error&) {
    }
    std::error_code ec;
    fs::remove_all(fs::path(root) / id, ec);
}

void check_run(RequestContext& c, v1::RunReq& q, v1::RunResp& r, const daemon::RunChain::Next& next) {
    const Bundle bundle = load_bundle(detail(q.details(), "bundle"));
    auto& store = daemon::store_of(c);
    const std::string id = detail(q.details(), "id");
    if (!id.empty()) check_id(id, "container id");
    // The container's id names the job unless --jid does.
    if (q.jid().empty() && !id.empty()) {
        daemon::check_new_jid(store, id);
        q.set_jid(id);
    }
    if (q.jid().empty()) q.set_jid(daemon::new_jid(store));
    if (id.empty()) {
        check_id(q.jid(), "--jid (the container's id)");
        (*q.mutable_details())["id"] = q.jid();
    }
    const std::string root = root_of(q.details());
    if (fs::exists(fs::path(root) / detail(q.details(), "id"))) {
        fail(ErrorKind::failed_precondition, "a container {} exists already under {}; choose another id", detail(q.details(), "id"), root);
    }
    // A terminal's master goes to whoever listens on the console socket: its I/O is theirs.
    if (bundle.terminal) {
        if (detail(q.details(), "console_socket").empty()) {
            fail(ErrorKind::invalid_argument, "bundle {} asks for a terminal (process.terminal): pass --console-socket", bundle.dir.string());
        }
        if (q.attachable() || !q.out().empty()) {
            fail(ErrorKind::invalid_argument, "bundle {} asks for a terminal (process.terminal): its I/O goes to --console-socket; drop "
                 "--out/--attach/--attachable", bundle.dir.string());
        }
        (*q.mutable_details())["terminal"] = "true";
    }
    (*q.mutable_details())["bundle"] = bundle.dir.string();
    (*q.mutable_details())["root"] = root;
    next(c, q, r);
}

// runc's log: the caller's --log (and --log-format), or a scratch file; what runc wrote to
// it from `offset` on is its say on this run.
struct RuncLog {
    fs::path path;
    std::string format;
    std::uintmax_t offset = 0;

    std::string since() const {
        const std::string text = util::read_text(path);
        return offset < text.size() ? text.substr(offset) : std::string();
    }
};

RuncLog runc_log(const v1::RunReq& q, const fs::path& scratch) {
    RuncLog log{detail(q.details(), "log"), detail(q.details(), "log_format"), 0};
    if (log.path.empty()) {
        log.path = scratch / "runc.log";
        log.format.clear();
    }
    std::error_code ec;
    const auto size = fs::file_size(log.path, ec);
    if (!ec) log.offset = size;
    return log;
}

std::vector<std::string> global_flags(const v1::RunReq& q, const RuncLog& log) {
    std::vector<std::string> args{"--log", log.path.string()};
    if (!log.format.empty()) args.push_back("--log-format=" + log.format);
    if (detail(q.details(), "systemd_cgroup") == "true") args.emplace_back("--systemd-cgroup");
    if (const auto rootless = detail(q.details(), "rootless"); !rootless.empty()) args.push_back("--rootless=" + rootless);
    return args;
}

// `runc create` (its init waits for `runc start`, so it is owned before it can exit), then
// `runc start`. The job's process is the container's init.
void start(RequestContext& c, v1::RunReq& q, v1::RunResp& r) {
    auto& store = daemon::store_of(c);
    const std::string id = detail(q.details(), "id");
    const std::string root = root_of(q.details());
    const bool terminal = detail(q.details(), "terminal") == "true";
    const std::string log = q.out().empty() && !q.attachable() && !terminal ? fmt::format("/var/log/cedana-output-{}.log", q.jid()) : q.out();
    std::error_code ec;
    const bool created_log = !log.empty() && !fs::exists(log, ec);
    util::UniqueFd out;
    if (!log.empty()) {
        out.reset(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (!out) fail(ErrorKind::invalid_argument, "cannot open the job's log {}: {}", log, std::strerror(errno));
    }
    const auto drop_log = [&] {
        if (created_log) fs::remove(log, ec);
    };
    // Attachable: the daemon holds the container's stdio. Else a relay of its own copies the
    // output to the log, so that the container outlives a daemon restart.
    daemon::IoHub::ChildEnds ends;
    std::shared_ptr<daemon::IoHub> hub;
    util::UniqueFd relay;
    if (q.attachable()) {
        hub = daemon::IoHub::create(std::move(out), ends);
    } else if (terminal) {
        relay.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));  // runc's own output only: the container's is on its terminal
        if (!relay) fail(ErrorKind::internal, "cannot open /dev/null: {}", std::strerror(errno));
    } else {
        relay = jobs::start_output_relay(out).pipe;
    }

    const util::ScratchDir scratch("cedana-runc");
    jobs::SpawnSpec spec;
    const RuncLog runc_log_file = runc_log(q, scratch.path());
    const auto globals = global_flags(q, runc_log_file);
    spec.args = {require_runc(), "--root", root};
    spec.args.insert(spec.args.end(), globals.begin(), globals.end());
    for (const char* arg : {"create", "--bundle"}) spec.args.emplace_back(arg);
    spec.args.push_back(detail(q.details(), "bundle"));
    spec.args.push_back("--pid-file");
    spec.args.push_back((scratch.path() / "pid").string());
    if (const auto socket = detail(q.details(), "console_socket"); !socket.empty()) {
        spec.args.push_back("--console-socket");
        spec.args.push_back(socket);
    }
    if (detail(q.details(), "no_pivot") == "true") spec.args.emplace_back("--no-pivot");
    if (detail(q.details(), "no_new_keyring") == "true") spec.args.emplace_back("--no-new-keyring");
    spec.args.push_back(id);
    spec.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    spec.cwd = std::string(1, '/');  // GCC 12 mistakes assigning the literal for an overlapping copy (-Wrestrict)
    spec.as_root = true;
    spec.stdin_fd = hub ? ends.stdin_read.get() : -1;
    spec.stdout_fd = hub ? ends.stdout_write.get() : relay.get();
    spec.stderr_fd = hub ? ends.stderr_write.get() : relay.get();
    int pid = -1;
    try {
        if (const int status = wait_for(jobs::spawn_job(spec)); status != 0) {
            fail(ErrorKind::failed_precondition, "runc could not create container {}: {}", id, runc_error(runc_log_file.since()));
        }
        pid = std::stoi(util::read_text(scratch.path() / "pid"));
    } catch (...) {
        remove_container(root, id);
        drop_log();
        throw;
    }
    // The init became ours (we are a subreaper) when runc create exited; it waits on runc start.
    util::owned_children().own(pid);
    store.add_job({.jid = q.jid(), .type = q.type(), .pid = pid, .command = fmt::format("runc container {}", id), .log = log,
                   .attachable = q.attachable(), .gpu = q.gpu_enabled(), .created_unix = util::unix_seconds(), .exit_status = std::nullopt,
                   .start_ticks = jobs::start_ticks(pid), .details = {q.details().begin(), q.details().end()}, .migrated_to = {}});
    if (c.adopt_child) c.adopt_child(pid);
    if (hub) c.keep_hub(q.jid(), hub);
    try {
        std::vector<std::string> start_args = globals;
        start_args.insert(start_args.end(), {"start", id});
        run_runc(root, start_args);
    } catch (...) {
        remove_container(root, id);
        store.remove_job(q.jid());
        drop_log();
        throw;
    }
    r.set_jid(q.jid());
    r.set_pid(pid);
    r.set_log(log);
}

void check_manage(RequestContext& c, v1::ManageReq& q, v1::ManageResp& r, const daemon::ManageChain::Next& next) {
    const std::string id = detail(q.details(), "id");
    if (id.empty()) fail(ErrorKind::invalid_argument, "name the container to manage: cedana manage runc ID [--root R]");
    check_id(id, "container id");
    const std::string root = root_of(q.details());
    std::optional<Container> found = find_container(root, id);
    if (q.upcoming()) {
        const auto deadline = std::chrono::steady_clock::now() + kUpcomingWait;
        while (!found || status_of(*found) == "created" || status_of(*found) == "stopped") {
            if (std::chrono::steady_clock::now() > deadline) {
                fail(ErrorKind::not_found, "no running container {} appeared under {} within {} s; nothing is managed", id, root,
                     std::chrono::duration_cast<std::chrono::seconds>(kUpcomingWait).count());
            }
            std::this_thread::sleep_for(kUpcomingPoll);
            found = find_container(root, id);
        }
    }
    if (!found) fail(ErrorKind::not_found, "no runc container {} under {} (see `runc --root {} list`); to wait for it, add --upcoming", id, root, root);
    const std::string status = status_of(*found);
    if (status != "running" && status != "paused") fail(ErrorKind::failed_precondition, "container {} is {}, not running; nothing to manage", id, status);
    if (const auto other = daemon::store_of(c).job_by_pid(found->pid); other && daemon::job_running(*other)) {
        fail(ErrorKind::invalid_argument, "container {} is already managed as job {}", id, other->jid);
    }
    q.set_pid(found->pid);
    (*q.mutable_details())["root"] = root;
    if (detail(q.details(), "bundle").empty()) (*q.mutable_details())["bundle"] = found->bundle;
    next(c, q, r);
}

void adopt(RequestContext& c, v1::ManageReq& q, v1::ManageResp& r) {
    auto& store = daemon::store_of(c);
    const std::string id = detail(q.details(), "id");
    if (q.jid().empty()) {
        q.set_jid(store.job(id) ? daemon::new_jid(store) : id);
        daemon::check_new_jid(store, q.jid());
    }
    store.add_job({.jid = q.jid(), .type = q.type(), .pid = q.pid(), .command = fmt::format("runc container {}", id), .log = "",
                   .attachable = false, .gpu = q.gpu_enabled(), .created_unix = util::unix_seconds(), .exit_status = std::nullopt,
                   .start_ticks = jobs::start_ticks(q.pid()), .details = {q.details().begin(), q.details().end()}, .migrated_to = {}});
    r.set_jid(q.jid());
    r.set_pid(q.pid());
}

}  // namespace

daemon::RunKind run_kind() {
    return {.plugin = "runc",
            .steps = {{"root-caller", "runc", root_caller<daemon::RequestContext, v1::RunReq, v1::RunResp, daemon::RunChain::Next>},
                      {"check-bundle", "runc", check_run}},
            .handler = {"run", "runc", start}};
}

daemon::ManageKind manage_kind() {
    return {.plugin = "runc",
            .steps = {{"root-caller", "runc", root_caller<daemon::RequestContext, v1::ManageReq, v1::ManageResp, daemon::ManageChain::Next>},
                      {"check-container", "runc", check_manage}},
            .handler = {"manage", "runc", adopt}};
}

}  // namespace cedana::plugins::runc
