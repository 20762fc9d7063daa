#include "plugins/runc/dump.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/dump_route.hpp"
#include "plugins/runc/cgroups.hpp"
#include "plugins/runc/container.hpp"
#include "plugins/runc/details.hpp"
#include "plugins/runc/externals.hpp"
#include "plugins/runc/freezer.hpp"
#include "plugins/runc/network_lock.hpp"
#include "plugins/runc/runtime.hpp"
#include "proc/process_info.hpp"
#include "proc/process_tree.hpp"
#include "util/busy_set.hpp"
#include "util/error.hpp"

namespace cedana::plugins::runc {

namespace v1 = cedana::daemon::v1;
using daemon::DumpCtx;
using Next = daemon::DumpChain::Next;

namespace {

constexpr auto kReapWait = std::chrono::seconds(5);

struct Target {
    Container container;
    // The freezer was frozen for the dump by us, not by the user (see criu_dump).
    bool froze = false;
    nlohmann::json host_stdio;  // fd → the host file it wrote to
};

Target& target_of(DumpCtx& ctx) { return std::any_cast<Target&>(ctx.dump.target); }
Container& container_of(DumpCtx& ctx) { return target_of(ctx).container; }

bool in_mount_namespace(int pid, int mnt_id) {
    std::ifstream mountinfo(fmt::format("/proc/{}/mountinfo", pid));
    for (std::string line; std::getline(mountinfo, line);) {
        if (std::atoi(line.c_str()) == mnt_id) return true;
    }
    return false;
}

// A regular file as the init's stdio: one of the container's own (`exec >/tmp/log` inside it)
// is CRIU's to restore, and is left as it is; one on a host mount the container cannot see
// is dumped as an external file, which the restore hands a replacement for.
nlohmann::json external_stdio(DumpCtx& ctx) {
    nlohmann::json paths = nlohmann::json::object();
    for (auto& file : ctx.dump.process.stdio) {
        if (file.kind != "file" || file.fd > 2) continue;
        std::ifstream fdinfo(fmt::format("/proc/{}/fdinfo/{}", ctx.dump.process.pid, file.fd));
        int mnt_id = -1;
        for (std::string key; fdinfo >> key;) {
            if (key == "mnt_id:") fdinfo >> mnt_id;
        }
        struct stat st{};
        if (mnt_id < 0 || ::stat(fmt::format("/proc/{}/fd/{}", ctx.dump.process.pid, file.fd).c_str(), &st) != 0) continue;
        if (in_mount_namespace(ctx.dump.process.pid, mnt_id)) {
            file.kind = "container-file";
            continue;
        }
        paths[std::to_string(file.fd)] = "/" + file.key;
        file.key = fmt::format("file[{:x}:{:x}]", mnt_id, static_cast<unsigned long long>(st.st_ino));
    }
    return paths;
}

void resolve_container(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    const std::string id = detail(req.details(), "id");
    if (id.empty()) fail(ErrorKind::invalid_argument, "name the container to dump: cedana dump runc ID [--root R]");
    check_id(id, "container id");
    Container c = load_container(root_of(req.details()), id);
    const std::string status = status_of(c);
    if (status != "running" && status != "paused") {
        fail(ErrorKind::failed_precondition, "container {} is {}, not running; only a running or paused container can be dumped", id, status);
    }
    req.set_pid(c.pid);
    ctx.dump.process = proc::inspect(c.pid);
    ctx.dump.tree = container_pids(c);
    auto host_stdio = external_stdio(ctx);
    ctx.dump.target = Target{.container = std::move(c), .froze = false, .host_stdio = std::move(host_stdio)};
    next(ctx, req, resp);
}

// A second dump of the same container at once would fight over its freezer and its end.
void claim_container(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    static util::BusySet<std::string> dumping;
    const auto& c = container_of(ctx);
    const util::BusySet<std::string>::Claim claim(dumping, c.dir.string());
    if (!claim.held()) fail(ErrorKind::failed_precondition, "container {} is being dumped by another request; retry once it is done", c.id);
    next(ctx, req, resp);
}

bool shares_pid_namespace(const Container& c) {
    for (const auto& ns : c.state.value("config", nlohmann::json::object()).value("namespaces", nlohmann::json::array())) {
        if (ns.value("type", "") == "NEWPID") return !ns.value("path", "").empty();
    }
    return true;  // no PID namespace of its own: the host's
}

// Back to how the dump found it: thawed if we froze it (a paused one stays paused), and its
// tasks continued from the stop CRIU left them in.
void resume(const Target& t) {
    if (t.froze) thaw_cgroup(freezer_dir(t.container));
    for (const int pid : container_pids(t.container)) ::kill(pid, SIGCONT);
}

// CRIU leaves the container's tasks stopped (and its freezer as it found it); only once the
// checkpoint is published does the container end, or go on with --leave-running. Any failure
// resumes it.
void settle_container(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp& resp, const Next& next) {
    try {
        next(ctx, req, resp);
    } catch (...) {
        resume(target_of(ctx));
        throw;
    }
    const auto& c = container_of(ctx);
    if (ctx.dump.keep_running) {
        resume(target_of(ctx));
        return;
    }
    destroy(c);
    // A restore needs the PIDs back in a PID namespace shared with another container, where
    // orphans go to that container's init, which reaps them when it gets to it. A namespace
    // of the container's own went with its init.
    if (shares_pid_namespace(c)) {
        if (const auto taken = proc::wait_until_reaped(ctx.dump.meta.pids, kReapWait)) {
            spdlog::warn("container {}: PID {} of its processes is not reaped yet; a restore may have to wait for it", c.id, *taken);
        }
    }
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) fail(ErrorKind::failed_precondition, "cannot write {}", path.string());
}

void criu_dump(DumpCtx& ctx, v1::DumpReq& req, v1::DumpResp&) {
    auto& t = target_of(ctx);
    const auto& c = t.container;
    const auto& dir = ctx.dump.staging->work_dir();
    write_file(dir / kStateFile, c.state.dump());
    write_file(dir / kCgroupFile, read_cgroup_file(c.pid));
    write_file(dir / kStdioFile, t.host_stdio.dump());
    const bool shell_job = ctx.dump.process.is_shell_job();
    const std::string freezer = freezer_dir(c);
    // CRIU freezes the cgroup itself, but reads the state back only every 100 ms, nearly half
    // of a small container's dump; frozen here (polled every millisecond) it finds it frozen.
    // It then records FROZEN as the container's state, so the restore thaws a container that
    // was not paused (kFreezerFile says which).
    const bool paused = !freezer.empty() && is_frozen(freezer);
    write_file(dir / kFreezerFile, paused ? "FROZEN" : "THAWED");
    if (!freezer.empty() && !paused) {
        if (ctx.dump.journal) ctx.dump.journal->freezes(freezer);
        freeze_cgroup(freezer);
        t.froze = true;
    }
    // A cgroup namespace shared by path is CRIU's own while it dumps, so that it is not dumped
    // as the container's (CRIU can neither dump it as external nor join it on restore); the
    // restore runs CRIU in the namespace at that path again (restore.cpp).
    for (const auto& ns : c.state.value("config", nlohmann::json::object()).value("namespaces", nlohmann::json::array())) {
        if (ns.value("type", "") != "NEWCGROUP" || ns.value("path", "").empty()) continue;
        ctx.dump.criu_cgroupns.reset(::open(fmt::format("/proc/{}/ns/cgroup", c.pid).c_str(), O_RDONLY | O_CLOEXEC));
        if (!ctx.dump.criu_cgroupns) fail(ErrorKind::failed_precondition, "container {}: cannot open its cgroup namespace: {}", c.id, std::strerror(errno));
    }
    daemon::dump_with_criu(ctx, req, c.pid, [&](criu_opts& opts) {
        opts.set_root(c.rootfs);
        opts.set_manage_cgroups(true);
        if (!freezer.empty()) opts.set_freeze_cgroup(freezer);
        opts.set_orphan_pts_master(true);
        // runc sets up no network devices, so a container's own network namespace is
        // restored empty (lo is brought up again by the restore).
        opts.set_empty_ns(CLONE_NEWNET);
        if (shell_job) opts.set_shell_job(true);
        set_network_lock(opts, req.criu().tcp_established());
        add_dump_externals(c.state.value("config", nlohmann::json::object()), c.pid, opts);
        for (const auto& file : ctx.dump.process.stdio) {
            if (file.key.starts_with("file[")) opts.add_external(file.key);
        }
    });
    ctx.dump.meta.pids = container_pids(c);
}

}  // namespace

daemon::DumpKind dump_kind() {
    return {.plugin = "runc",
            .steps = {{"resolve-container", "runc", resolve_container},
                      {"claim-container", "runc", claim_container},
                      {"settle-container", "runc", settle_container}},
            .handler = {"criu-dump", "criu", criu_dump}};
}

}  // namespace cedana::plugins::runc
