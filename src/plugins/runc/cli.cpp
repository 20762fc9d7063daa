#include "plugins/runc/cli.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/pid_file.hpp"
#include "cli/runc_flags.hpp"
#include "cli/workload_commands.hpp"
#include "jobs/spawn.hpp"
#include "plugins/runc/container.hpp"
#include "plugins/runc/runtime.hpp"
#include "registry/registry.hpp"
#include "util/error.hpp"

extern char** environ;

namespace cedana::plugins::runc {

namespace fs = std::filesystem;
namespace v1 = cedana::daemon::v1;

namespace {

std::string absolute(const std::string& path) { return path.empty() ? path : fs::absolute(path).lexically_normal().string(); }

template <typename Req>
void set_root(Req& req, const std::string& root) {
    if (!root.empty()) (*req.mutable_details())["root"] = absolute(root);
}

template <typename Req>
void set_runc_flags(Req& req, const cli::RuncFlagValues& runc) {
    auto& details = *req.mutable_details();
    set_root(req, runc.root);
    if (!runc.console_socket.empty()) details["console_socket"] = absolute(runc.console_socket);
    if (runc.no_pivot) details["no_pivot"] = "true";
    if (runc.no_new_keyring) details["no_new_keyring"] = "true";
    if (runc.systemd_cgroup) details["systemd_cgroup"] = "true";
    if (!runc.rootless.empty()) details["rootless"] = runc.rootless;
    if (!runc.log.empty()) details["log"] = absolute(runc.log);
    if (!runc.log_format.empty()) details["log_format"] = runc.log_format;
}

// --no-server: `runc run` as our child, with our stdio; its status is ours. With --detach it
// returns once the container runs.
[[noreturn]] void run_here(cli::Globals& globals, const cli::RunOptions& o) {
    if (o.attach || o.attachable) fail(ErrorKind::invalid_argument, "--no-server already runs the container attached here; drop --attach/--attachable");
    registry::require_enabled(globals.load_config().config, "runc");
    const std::string id = !o.id.empty() ? o.id : o.jid;
    if (id.empty()) fail(ErrorKind::invalid_argument, "run runc --no-server needs the container's id (positional, or --jid)");
    check_id(id, "container id");
    const std::string root = o.runc.root.empty() ? kDefaultRoot : absolute(o.runc.root);
    jobs::SpawnSpec spec;
    spec.args = {require_runc(), "--root", root};
    if (!o.runc.log.empty()) spec.args.insert(spec.args.end(), {"--log", absolute(o.runc.log)});
    if (!o.runc.log_format.empty()) spec.args.insert(spec.args.end(), {"--log-format", o.runc.log_format});
    if (o.runc.systemd_cgroup) spec.args.emplace_back("--systemd-cgroup");
    if (!o.runc.rootless.empty()) spec.args.push_back("--rootless=" + o.runc.rootless);
    spec.args.insert(spec.args.end(), {"run", "--bundle", absolute(o.bundle)});
    if (o.runc.detach) spec.args.emplace_back("--detach");
    if (!o.pid_file.empty()) spec.args.insert(spec.args.end(), {"--pid-file", absolute(o.pid_file)});
    if (!o.runc.console_socket.empty()) spec.args.insert(spec.args.end(), {"--console-socket", absolute(o.runc.console_socket)});
    if (o.runc.no_pivot) spec.args.emplace_back("--no-pivot");
    if (o.runc.no_new_keyring) spec.args.emplace_back("--no-new-keyring");
    if (o.runc.no_subreaper) spec.args.emplace_back("--no-subreaper");
    if (o.preserve_fds > 0) spec.args.push_back("--preserve-fds=" + std::to_string(o.preserve_fds));
    spec.args.push_back(id);
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) spec.env.emplace_back(*e);
    spec.cwd = fs::current_path().string();
    spec.stdin_fd = STDIN_FILENO;
    spec.stdout_fd = STDOUT_FILENO;
    spec.stderr_fd = STDERR_FILENO;
    spec.new_session = false;
    const pid_t pid = jobs::spawn_job(spec);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail(ErrorKind::internal, "cannot wait for runc: {}", std::strerror(errno));
    }
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (o.runc.detach && code == 0) {
        if (const auto c = find_container(root, id)) std::cout << "Started container " << id << " (PID " << c->pid << ")" << std::endl;
    }
    std::exit(code);
}

void add_run(CLI::App& run, cli::Globals& globals, const std::shared_ptr<cli::RunOptions>& o) {
    auto* runc = run.add_subcommand("runc", "Run a runc container as a managed job");
    runc->add_option("id", o->id, "container id (default: the job id)");
    runc->add_option("-b,--bundle", o->bundle, "the container's bundle")->required();
    cli::add_runc_flags(*runc, o->runc);
    runc->add_option("--preserve-fds", o->preserve_fds, "pass N extra file descriptors to the container (--no-server)");
    runc->callback([&globals, o] {
        if (o->no_server) run_here(globals, *o);
        if (o->runc.detach) fail(ErrorKind::invalid_argument, "--detach is for --no-server: a job of the daemon always runs detached");
        if (o->runc.no_subreaper) {
            fail(ErrorKind::invalid_argument, "--no-subreaper is for --no-server: the daemon is the subreaper of every job it runs");
        }
        if (o->preserve_fds > 0) fail(ErrorKind::invalid_argument, "--preserve-fds is for --no-server: the daemon's descriptors are not yours to pass");
        v1::RunReq req;
        req.set_type("runc");
        auto& details = *req.mutable_details();
        details["bundle"] = absolute(o->bundle);
        if (!o->id.empty()) details["id"] = o->id;
        set_runc_flags(req, o->runc);
        cli::send_run(globals, *o, std::move(req));
    });
}

}  // namespace

void add_commands() {
    cli::add_run_command("runc", add_run);
    cli::add_manage_command("runc", [](CLI::App& manage, cli::Globals& globals, const std::shared_ptr<cli::ManageOptions>& o) {
        auto* runc = manage.add_subcommand("runc", "Adopt a runc container");
        runc->add_option("container-id", o->target, "the container")->required();
        runc->add_option("-b,--bundle", o->bundle, "the container's bundle (default: the one runc recorded)");
        runc->add_option("--root", o->root, "runc root directory (default /run/runc)");
        runc->callback([&globals, o] {
            v1::ManageReq req;
            req.set_type("runc");
            (*req.mutable_details())["id"] = o->target;
            if (!o->bundle.empty()) (*req.mutable_details())["bundle"] = absolute(o->bundle);
            set_root(req, o->root);
            cli::send_manage(globals, *o, std::move(req));
        });
    });
    cli::add_dump_command("runc", [](CLI::App& dump, cli::Globals& globals, const std::shared_ptr<cli::DumpOptions>& o) {
        auto* runc = dump.add_subcommand("runc", "Checkpoint a runc container");
        runc->add_option("container-id", o->target, "the container")->required();
        runc->add_option("--root", o->root, "runc root directory (default /run/runc)");
        runc->callback([&globals, o] {
            v1::DumpReq req;
            req.set_type("runc");
            (*req.mutable_details())["id"] = o->target;
            set_root(req, o->root);
            cli::send_dump(globals, *o, std::move(req));
        });
    });
    cli::add_restore_command("runc", [](CLI::App& restore, cli::Globals& globals, const std::shared_ptr<cli::RestoreOptions>& o) {
        auto* runc = restore.add_subcommand("runc", "Restore a runc container");
        runc->add_option("-p,--path", o->path, "checkpoint directory or archive")->required();
        cli::add_runc_restore_flags(*runc, *o);
        runc->add_option("--netns-eth0-ipv4-addr", o->netns_ipv4, "IPv4 address for eth0 in the container's network namespace");
        runc->callback([&globals, o] {
            if (o->bundle.empty()) fail(ErrorKind::invalid_argument, "restore runc needs --bundle B: the bundle the container comes back on");
            if (!o->netns_ipv4.empty()) {
                fail(ErrorKind::unimplemented, "--netns-eth0-ipv4-addr: runc containers have no eth0 that cedana sets up; configure it in the bundle's hooks");
            }
            if (o->runc.detach && !o->no_server) fail(ErrorKind::invalid_argument, "--detach is for --no-server: through the daemon a restore always detaches");
            v1::RestoreReq req;
            req.set_type("runc");
            cli::add_container_details(*o, req);
            cli::send_restore(globals, *o, std::move(req));
        });
    });
    cli::add_freeze_command("runc", [](CLI::App& group, cli::Globals& globals, const std::shared_ptr<cli::FreezeOptions>& o) {
        auto* runc = group.add_subcommand("runc", group.get_description() + ": a runc container, by its cgroup freezer");
        runc->add_option("id", o->target, "the container")->required();
        runc->add_option("--root", o->root, "runc root directory (default /run/runc)");
        runc->callback([&globals, o] {
            v1::FreezeReq req;
            req.set_type("runc");
            req.set_id(o->target);
            set_root(req, o->root);
            cli::send_freeze(globals, *o, std::move(req));
        });
    });
    cli::add_query_command("runc", [](CLI::App& query, cli::Globals& globals, const std::shared_ptr<cli::QueryOptions>& o) {
        auto* runc = query.add_subcommand("runc", "Describe runc containers");
        runc->add_option("ID", o->targets, "the containers")->required();
        runc->add_option("--root", o->root, "runc root directory (default /run/runc)");
        runc->callback([&globals, o] {
            v1::QueryReq req;
            req.set_type("runc");
            set_root(req, o->root);
            cli::send_query(globals, *o, std::move(req));
        });
    });
}

}  // namespace cedana::plugins::runc
