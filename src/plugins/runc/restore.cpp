#include "plugins/runc/restore.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/restore_route.hpp"
#include "plugins/process/restore_stdio.hpp"
#include "plugins/runc/access.hpp"
#include "plugins/runc/bundle.hpp"
#include "plugins/runc/cgroups.hpp"
#include "plugins/runc/console_socket.hpp"
#include "plugins/runc/container.hpp"
#include "plugins/runc/details.hpp"
#include "plugins/runc/dump.hpp"
#include "plugins/runc/externals.hpp"
#include "plugins/runc/freezer.hpp"
#include "plugins/runc/restored_state.hpp"
#include "plugins/runc/runc_log.hpp"
#include "plugins/runc/rootfs_mount.hpp"
#include "jobs/output_relay.hpp"
#include "jobs/process_state.hpp"
#include "plugins/runc/runtime.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/owned_children.hpp"
#include "util/text_file.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;
using daemon::RestoreCtx;
using Next = daemon::RestoreChain::Next;

namespace {

struct Target {
    Bundle bundle;
    std::string id;
    std::string root;
    nlohmann::json dumped;            // runc's state at the dump
    std::vector<CgroupLine> cgroups;  // where the tasks go, for this id
    // A container with a cgroup namespace sees its groups relative to the namespace's root,
    // which CRIU restores as it dumped them: its groups are kept, even under a new id.
    bool keep_cgroups = false;
    // A container dumped with a terminal gets a new one, whose master goes to --console-socket;
    // connected before anything is restored (shared: std::any wants a copyable target).
    std::string console_path;
    std::shared_ptr<util::UniqueFd> console;
};

// The container had a terminal for its stdio when it was dumped (runc's process.terminal).
bool had_terminal(const RestoreCtx& ctx) {
    if (!ctx.restore.meta) return false;
    for (const auto& file : ctx.restore.meta->stdio) {
        if (file.kind == "tty" && file.fd <= 2) return true;
    }
    return false;
}

Target& target_of(RestoreCtx& ctx) { return std::any_cast<Target&>(ctx.restore.target); }

// Everything is checked before anything is touched: the checkpoint is a container's, the
// bundle is usable, the id is free.
void resolve_bundle(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    const fs::path state_file = ctx.restore.images / kStateFile;
    if (!fs::exists(state_file)) fail(ErrorKind::invalid_argument, "{} is not a runc container's checkpoint: it holds no {}", req.path(), kStateFile);
    Target t;
    try {
        t.dumped = nlohmann::json::parse(util::read_text(state_file));
    } catch (const nlohmann::json::exception& e) {
        fail(ErrorKind::invalid_argument, "{}: {} is damaged: {}", req.path(), kStateFile, e.what());
    }
    const std::string old_id = t.dumped.value("id", "");
    t.bundle = load_bundle(detail(req.details(), "bundle"));
    t.id = detail(req.details(), "id").empty() ? old_id : detail(req.details(), "id");
    check_id(t.id, "--id");
    t.root = root_of(req.details());
    // Restores run as root, and place the tasks into cgroupfs paths themselves (cg_root).
    if (detail(req.details(), "rootless") == "true") {
        fail(ErrorKind::invalid_argument, "--rootless true: cedana restores containers as root only; drop it, or pass false or auto");
    }
    if (detail(req.details(), "systemd_cgroup") == "true") {
        fail(ErrorKind::invalid_argument, "--systemd-cgroup: cedana puts a restored container's tasks into their cgroupfs groups itself, not "
             "through systemd; drop --systemd-cgroup");
    }
    std::error_code ec;
    if (fs::exists(fs::path(t.root) / t.id, ec)) {
        fail(ErrorKind::failed_precondition, "a container {} exists already under {}; restore it with another --id, or remove it (runc --root {} delete {})",
             t.id, t.root, t.root, t.id);
    }
    // CRIU makes the terminal anew and hands its master over (orphan-pts-master, see
    // console_socket.hpp): what the checkpoint holds decides, not the bundle.
    t.console_path = detail(req.details(), "console_socket");
    if (had_terminal(ctx)) {
        if (t.console_path.empty()) {
            fail(ErrorKind::invalid_argument, "the container had a terminal when it was dumped (process.terminal): pass --console-socket S, "
                 "where a program (such as runc's recvtty) receives its new terminal");
        }
        if (ctx.restore.out_from_job) req.clear_out();
        if (req.attachable() || !req.out().empty()) {
            fail(ErrorKind::invalid_argument, "the container had a terminal when it was dumped: its output goes to --console-socket; drop "
                 "--out/--attach/--attachable");
        }
        t.console = std::make_shared<util::UniqueFd>(connect_console_socket(t.console_path));
    } else if (!t.console_path.empty()) {
        fail(ErrorKind::invalid_argument, "--console-socket {}: the container had no terminal when it was dumped, so there is none to "
             "send; drop --console-socket", t.console_path);
    }
    for (const auto& ns : t.dumped.value("config", nlohmann::json::object()).value("namespaces", nlohmann::json::array())) {
        if (ns.value("type", "") == "NEWCGROUP") t.keep_cgroups = true;
    }
    for (auto line : parse_cgroup_file(util::read_text(ctx.restore.images / kCgroupFile))) {
        if (!t.keep_cgroups) line.path = retarget(line.path, old_id, t.id);
        t.cgroups.push_back(line);
    }
    // Attaching needs a job to attach to: the restored container becomes one, named after it.
    if (req.attachable() && !ctx.restore.job) {
        if (ctx.store == nullptr) fail(ErrorKind::unimplemented, "--attach and --attachable need the daemon");
        if (ctx.store->job(t.id)) {
            fail(ErrorKind::failed_precondition, "--attach makes the restored container job {}, which exists already; restore that job "
                 "(cedana restore job {} --attach) or choose another --id", t.id, t.id);
        }
    }
    (*req.mutable_details())["id"] = t.id;
    (*req.mutable_details())["root"] = t.root;
    (*req.mutable_details())["bundle"] = t.bundle.dir.string();
    ctx.restore.target = std::move(t);
    next(ctx, req, resp);
}

// A container's stdio must stay pipes (CRIU cannot dump a host file it cannot see from inside
// the container): through the daemon its output goes through a relay's pipe to --out or the
// job's log (without either, to /dev/null), or, attachable, through the daemon's own pipes;
// --no-server gives it the CLI's stdio.
//
// A host file as stdio was dumped as an external file (dump.cpp): CRIU checks that what it is
// given instead is that file as it was (its size), so the container gets the same file back.
void container_stdio(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    const bool attachable = req.attachable();
    bool host_file = false;
    if (ctx.restore.meta) {
        for (auto& file : ctx.restore.meta->stdio) {
            if (file.kind == "tty" && target_of(ctx).console) file.kind = "console";  // handed over in criu_restore
        }
        nlohmann::json paths = nlohmann::json::object();
        if (fs::exists(ctx.restore.images / kStdioFile)) paths = nlohmann::json::parse(util::read_text(ctx.restore.images / kStdioFile), nullptr, false);
        std::map<std::string, int> opened;
        for (auto& file : ctx.restore.meta->stdio) {
            if (file.kind != "file" || !file.key.starts_with("file[")) continue;
            host_file = true;
            const std::string path = paths.is_object() ? paths.value(std::to_string(file.fd), "") : "";
            if (attachable || !req.out().empty()) {
                fail(ErrorKind::invalid_argument, "the container wrote to the host file {} when it was dumped, and gets it back (CRIU checks "
                     "it is the same file); drop --out/--attach/--attachable", path.empty() ? "(unknown)" : path);
            }
            file.kind = "external-file";  // handed over here, not by restore_stdio
            if (opened.contains(file.key)) continue;
            util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
            if (path.empty() || !fd) {
                fail(ErrorKind::failed_precondition, "the container wrote to the host file {} when it was dumped, which cannot be opened: {}",
                     path.empty() ? "(unknown)" : path, path.empty() ? "the checkpoint does not name it" : std::strerror(errno));
            }
            opened[file.key] = fd.get();
            ctx.restore.inherit.push_back({file.key, fd.get()});
            ctx.restore.replacements.push_back(std::move(fd));
        }
    }
    // Through the daemon, output to --out (or the job's log) goes through a relay of its own
    // (jobs/output_relay.hpp), as for `run runc`: pipes again, surviving a daemon restart.
    std::error_code ec;
    bool created_out = false;
    if (ctx.caller_stdio.empty() && !attachable && !host_file && !req.out().empty() && ctx.restore.meta) {
        created_out = !fs::exists(req.out(), ec);
        util::UniqueFd log(::open(req.out().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (!log) fail(ErrorKind::invalid_argument, "--out {}: {}", req.out(), std::strerror(errno));
        util::UniqueFd relay = jobs::start_output_relay(log).pipe;
        util::UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (!null) fail(ErrorKind::internal, "cannot open /dev/null: {}", std::strerror(errno));
        std::map<std::string, bool> seen;
        for (auto& file : ctx.restore.meta->stdio) {
            if (file.fd > 2 || !(file.kind == "pipe" || file.kind == "socket")) continue;
            if (!seen[file.key]) ctx.restore.inherit.push_back({file.key, file.fd == 0 ? null.get() : relay.get()});
            seen[file.key] = true;
            file.kind = "relayed";  // handed over here, not by restore_stdio
        }
        ctx.restore.replacements.push_back(std::move(relay));
        ctx.restore.replacements.push_back(std::move(null));
    }
    try {
        process::restore_stdio(ctx, req, resp, next);
    } catch (...) {
        if (created_out && fs::is_regular_file(req.out(), ec) && fs::file_size(req.out(), ec) == 0) fs::remove(req.out(), ec);
        throw;
    }
}

// The cgroup directories of the target that do not exist yet, removed again if the restore fails.
std::vector<fs::path> new_cgroup_dirs(const Target& t) {
    std::vector<fs::path> dirs;
    if (t.keep_cgroups) return dirs;
    const auto hierarchies = v1_hierarchies();
    for (const auto& line : t.cgroups) {
        for (const auto& h : hierarchies) {
            if (h.controllers == line.controllers && !fs::exists(h.mountpoint + line.path)) dirs.emplace_back(h.mountpoint + line.path);
        }
    }
    return dirs;
}

// runc sets up the loopback device of a container's own network namespace; CRIU restores the
// namespace empty, with lo down.
void bring_up_loopback(int pid) {
    util::UniqueFd ns(::open(fmt::format("/proc/{}/ns/net", pid).c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) return;
    const pid_t child = ::fork();
    if (child == 0) {
        if (::setns(ns.get(), CLONE_NEWNET) != 0) ::_exit(1);
        const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ifreq ifr{};
        std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
        if (sock < 0 || ::ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) ::_exit(1);
        ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
        ::_exit(::ioctl(sock, SIOCSIFFLAGS, &ifr) == 0 ? 0 : 1);
    }
    if (child < 0) {
        spdlog::warn("cannot bring lo up in the restored container: fork: {}", std::strerror(errno));
        return;
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) spdlog::warn("cannot bring lo up in the network namespace of PID {}", pid);
}

void criu_restore(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp) {
    auto& t = target_of(ctx);
    const fs::path dir = fs::path(t.root) / t.id;
    std::error_code ec;
    fs::create_directories(t.root, ec);
    if (!fs::create_directory(dir, ec)) {
        fail(ErrorKind::failed_precondition, "cannot create runc's state directory {}: {}", dir.string(), ec ? ec.message() : "it exists already");
    }
    fs::permissions(dir, fs::perms(0711), ec);
    const auto created_cgroups = new_cgroup_dirs(t);
    try {
        prepare_mountpoints(t.bundle);
        const RootfsMount root(t.bundle.rootfs, dir / "criu-root");
        // The cgroup namespace shared by path (see dump.cpp): CRIU, and with it the restored
        // tasks, start in it.
        if (const auto cgroupns = namespace_path(t.bundle, "cgroup"); !cgroupns.empty()) {
            util::UniqueFd fd(::open(cgroupns.c_str(), O_RDONLY | O_CLOEXEC));
            if (!fd) fail(ErrorKind::invalid_argument, "bundle {}: cannot open its cgroup namespace {}: {}", t.bundle.dir.string(), cgroupns, std::strerror(errno));
            ctx.restore.launch.cgroupns_fd = fd.get();
            ctx.restore.replacements.push_back(std::move(fd));
        }
        criu_opts externals;
        add_restore_externals(t.bundle, t.cgroups, externals, ctx.restore.inherit, ctx.restore.replacements);
        const bool shell_job = ctx.restore.meta && ctx.restore.meta->shell_job;
        if (t.console) {
            ctx.restore.notify = [&t](engine::Notification& note) {
                if (note.script != "orphan-pts-master") return;
                if (!note.fd) fail(ErrorKind::internal, "CRIU announced the container's new terminal but sent no descriptor");
                send_console(t.console->get(), note.fd.get(), t.console_path);
            };
        }
        daemon::restore_with_criu(ctx, req, resp, [&](criu_opts& opts) {
            opts.set_root(root.path().string());
            opts.set_manage_cgroups(true);
            opts.set_evasive_devices(true);
            opts.set_orphan_pts_master(true);
            opts.set_empty_ns(CLONE_NEWNET);
            if (shell_job) opts.set_shell_job(true);
            for (const auto& line : t.cgroups) {
                if (t.keep_cgroups) break;
                auto* cg = opts.add_cg_root();
                cg->set_ctrl(line.controllers);
                cg->set_path(line.path);
            }
            opts.MergeFrom(externals);
        });
        auto state = restored_state(t.dumped, t.id, t.bundle, resp.pid(), !t.keep_cgroups);
        // What runc restore records of these flags in the container's configuration.
        if (detail(req.details(), "no_pivot") == "true") state["config"]["no_pivot_root"] = true;
        if (detail(req.details(), "no_new_keyring") == "true") state["config"]["no_new_keyring"] = true;
        write_state(dir, state);
        // Frozen for its dump (dump.cpp): thawed unless it was paused then.
        const std::string freezer = state.value("cgroup_paths", nlohmann::json::object()).value("freezer", "");
        if (util::read_text(ctx.restore.images / kFreezerFile) != "FROZEN" && !freezer.empty() && is_frozen(freezer)) thaw_cgroup(freezer);
    } catch (...) {
        fs::remove_all(dir, ec);
        for (const auto& cg : created_cgroups) fs::remove(cg, ec);
        throw;
    }
    if (has_namespace(t.bundle, "network") && namespace_path(t.bundle, "network").empty()) {
        bring_up_loopback(resp.pid());
    }
    if (!ctx.restore.job && req.attachable()) {
        ctx.store->add_job({.jid = t.id, .type = "runc", .pid = resp.pid(), .command = fmt::format("runc container {}", t.id),
                            .log = req.out(), .attachable = true, .gpu = false, .created_unix = util::unix_seconds(),
                            .exit_status = std::nullopt, .start_ticks = jobs::start_ticks(resp.pid()),
                            .details = {req.details().begin(), req.details().end()}, .migrated_to = {}});
        ctx.keep_hub(t.id, ctx.restore.hub);
    }
    // --no-server, not detached: once it exits the container goes, as after runc restore.
    if (ctx.after_exit) {
        ctx.after_exit([root = t.root, id = t.id] {
            try {
                run_runc(root, {"delete", "--force", id});
            } catch (const Error& e) {
                spdlog::warn("{}", e.what());
            }
        });
    }
}

// --log: the outcome of the restore, as runc restore would log it.
void runc_log(RestoreCtx& ctx, v1::RestoreReq& req, v1::RestoreResp& resp, const Next& next) {
    const std::string log = detail(req.details(), "log");
    const std::string format = detail(req.details(), "log_format");
    if (log.empty()) return next(ctx, req, resp);
    if (!format.empty() && format != "text" && format != "json") {
        fail(ErrorKind::invalid_argument, "--log-format {}: runc's log formats are text and json", format);
    }
    try {
        next(ctx, req, resp);
    } catch (const Error& e) {
        try {
            append_runc_log(log, format, "error", e.what());
        } catch (const Error& unwritable) {
            spdlog::warn("{}", unwritable.what());
        }
        throw;
    }
    append_runc_log(log, format, "info", fmt::format("restored container {} from {} (PID {})", detail(req.details(), "id"), req.path(), resp.pid()));
}

}  // namespace

daemon::RestoreKind restore_kind() {
    return {.plugin = "runc",
            .steps = {{"root-caller", "runc", root_caller<daemon::RestoreCtx, v1::RestoreReq, v1::RestoreResp, Next>},
                      {"runc-log", "runc", runc_log},
                      {"resolve-bundle", "runc", resolve_bundle},
                      {"stdio", "process", container_stdio}},
            .handler = {"criu-restore", "criu", criu_restore}};
}

}  // namespace cedana::plugins::runc
