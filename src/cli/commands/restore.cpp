#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/profile_convert.hpp"
#include "cli/progress_display.hpp"
#include "cli/attach.hpp"
#include "cli/client.hpp"
#include "cli/commands/commands.hpp"
#include "cli/location_arg.hpp"
#include "cli/criu_flags.hpp"
#include "cli/pid_file.hpp"
#include "cli/profile_table.hpp"
#include "cli/runc_flags.hpp"
#include "cli/workload_commands.hpp"
#include "daemon/restore_route.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace {

void add_shared_flags(CLI::App& restore, RestoreOptions& o) {
    restore.add_flag("-a,--attach", o.attach, "stream the restored process's input and output here");
    restore.add_flag("--attachable", o.attachable, "let the daemon hold its input and output for a later attach");
    restore.add_option("-o,--out", o.out, "file for the restored process's stdout and stderr");
    restore.add_option("--pid-file", o.pid_file, "write the restored PID to this file");
    restore.add_flag("--no-server", o.no_server, "restore as a child of this command, without a daemon");
    restore.add_flag("--leave-stopped", o.criu.leave_stopped, "leave the restored process stopped");
    restore.add_flag("--tcp-close", o.criu.tcp_close, "restore TCP connections closed");
    add_common_criu_flags(restore, o.criu);
    restore.add_option("--gpu-id", o.gpu_id, "GPU to restore onto");
}

}  // namespace

void add_runc_restore_flags(CLI::App& cmd, RestoreOptions& o) {
    cmd.add_option("-b,--bundle", o.bundle, "the container's bundle");
    cmd.add_option("--id", o.id, "id of the restored container");
    add_runc_flags(cmd, o.runc);
}

void add_container_details(const RestoreOptions& o, cedana::daemon::v1::RestoreReq& req) {
    auto& details = *req.mutable_details();
    if (!o.bundle.empty()) details["bundle"] = std::filesystem::absolute(o.bundle).lexically_normal().string();
    if (!o.id.empty()) details["id"] = o.id;
    if (!o.runc.root.empty()) details["root"] = std::filesystem::absolute(o.runc.root).lexically_normal().string();
    if (!o.runc.console_socket.empty()) details["console_socket"] = std::filesystem::absolute(o.runc.console_socket).lexically_normal().string();
    if (!o.ns.empty()) details["namespace"] = o.ns;
    if (!o.image.empty()) details["image"] = o.image;
    if (!o.runc.log.empty()) details["log"] = std::filesystem::absolute(o.runc.log).lexically_normal().string();
    if (!o.runc.log_format.empty()) details["log_format"] = o.runc.log_format;
    if (!o.runc.rootless.empty()) details["rootless"] = o.runc.rootless;
    if (o.runc.no_pivot) details["no_pivot"] = "true";
    if (o.runc.no_new_keyring) details["no_new_keyring"] = "true";
    if (o.runc.systemd_cgroup) details["systemd_cgroup"] = "true";
}

namespace {

void add_containerd_flags(CLI::App& cmd, RestoreOptions& o) {
    cmd.add_option("--image", o.image, "image of the container");
    cmd.add_option("--namespace", o.ns, "containerd namespace");
    cmd.add_option("--env", o.env, "K=V environment of the container (repeatable)");
    cmd.add_option("--gpus", o.gpus, "GPUs, e.g. 0,1");
}

std::string absolute(const std::string& path) {
    return path.empty() ? path : std::filesystem::absolute(path).lexically_normal().string();
}


}  // namespace

// --no-server: the restore runs in this process, the restored process becomes its child and
// writes straight to this process's stdio; its exit status becomes ours.
void restore_here(Globals& globals, cedana::daemon::v1::RestoreReq& req, const RestoreOptions& o) {
    const config::Loaded loaded = globals.load_config();
    daemon::RequestContext ctx;
    ctx.base_config = loaded.json;
    ctx.caller_stdio = {0, 1, 2};
    std::unique_ptr<proc::TtyRelay> relay;
    // The restored process, or the session holder whose exit status is the process's.
    int child = -1;
    ctx.adopt_child = [&child](int pid) { child = pid; };
    ctx.keep_relay = [&relay](std::unique_ptr<proc::TtyRelay> r) { relay = std::move(r); };
    std::function<void()> after_exit;
    if (!o.runc.detach) ctx.after_exit = [&after_exit](std::function<void()> fn) { after_exit = std::move(fn); };
    cedana::daemon::v1::RestoreResp resp;
    pipeline::Profile profile;
    const bool profiling = globals.want_profile(loaded.config);
    ProgressDisplay progress(ctx.transfer);
    daemon::run_restore(ctx, req, resp, profiling ? &profile : nullptr);
    progress.summarize();
    if (profiling) std::cerr << format_profile(api::to_proto(profile));
    write_pid_file(o.pid_file, resp.pid());
    // --detach (containers): the restored tree goes on without us, adopted by our subreaper or init.
    if (o.runc.detach) {
        std::cout << "Restored PID " << resp.pid() << " from " << req.path() << std::endl;
        if (relay) relay->drain();
        std::exit(0);
    }
    std::cout.flush();
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) fail(ErrorKind::internal, "cannot wait for restored process {}: {}", resp.pid(), std::strerror(errno));
    }
    if (relay) relay->drain();
    if (after_exit) after_exit();
    std::exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

void send_restore(Globals& globals, const RestoreOptions& o, cedana::daemon::v1::RestoreReq req) {
    const bool job = req.type() == "job";
    if (o.no_server && (o.attach || o.attachable)) {
        fail(ErrorKind::invalid_argument, "--no-server already restores it attached here; drop --attach/--attachable");
    }
    if (job && o.no_server) fail(ErrorKind::invalid_argument, "restore job needs the daemon; to restore a job's checkpoint here, use restore process --path P --no-server");
    req.set_attachable(o.attach || o.attachable);
    req.set_path(o.path.empty() ? o.path : local_or_url(o.path));
    req.set_out(absolute(o.out));
    *req.mutable_criu() = o.criu.to_proto();
    if (o.no_server) restore_here(globals, req, o);

    const config::Loaded loaded = globals.load_config();
    Client client(loaded.config, globals.config_json, globals.want_profile(loaded.config));
    ProgressDisplay progress(client, [&] { return Client(loaded.config, globals.config_json, false); });
    const auto resp = client.restore(req);
    progress.summarize(client);
    write_pid_file(o.pid_file, resp.pid());
    if (client.profile()) std::cout << format_profile(*client.profile()) << '\n';
    // A workload restored attachable outside a job becomes one; it is found by its PID.
    if (o.attach) attach_to_job(globals, job ? req.jid() : std::string(), job ? 0 : resp.pid());
    if (job) {
        std::cout << "Restored job " << req.jid() << " as PID " << resp.pid() << std::endl;
    } else {
        std::cout << "Restored PID " << resp.pid() << " from " << req.path() << std::endl;
    }
}

void add_restore_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<RestoreOptions>());
    auto* restore = root.add_subcommand("restore", "Restore a process, container or job from a checkpoint")->require_subcommand(1);
    add_shared_flags(*restore, *o);

    add_plugin_commands(*restore, globals, o);

    auto* job = restore->add_subcommand("job", "Restore a managed job from its newest checkpoint");
    job->add_option("JID", o->target, "the job")->required();
    job->add_option("-p,--path", o->path, "checkpoint to restore instead of the newest");
    add_runc_restore_flags(*job, *o);
    add_containerd_flags(*job, *o);
    job->callback([&globals, o] {
        cedana::daemon::v1::RestoreReq req;
        req.set_type("job");
        req.set_jid(o->target);
        add_container_details(*o, req);
        send_restore(globals, *o, std::move(req));
    });
}

}  // namespace cedana::cli
