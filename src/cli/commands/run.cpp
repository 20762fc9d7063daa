#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "api/profile_convert.hpp"
#include "cli/attach.hpp"
#include "cli/client.hpp"
#include "cli/commands/commands.hpp"
#include "cli/pid_file.hpp"
#include "cli/profile_table.hpp"
#include "cli/runc_flags.hpp"
#include "jobs/spawn.hpp"
#include "pipeline/chain.hpp"
#include "util/error.hpp"

extern char** environ;

namespace cedana::cli {

namespace {

struct RunOptions {
    std::string jid;
    bool attach = false;
    bool attachable = false;
    std::string out;
    std::string pid_file;
    bool no_server = false;
    bool gpu_enabled = false;
    bool gpu_tracing = false;
    std::string gpu_id;
    bool as_root = false;
    std::vector<std::string> args;
    // runc
    std::string bundle;
    RuncFlagValues runc;
    int preserve_fds = 0;
    // containerd
    std::string id;
    std::string ns;
    std::vector<std::string> env;
    std::string gpus;
    std::string snapshotter;
};

void add_shared_flags(CLI::App& run, RunOptions& o) {
    run.add_option("-j,--jid", o.jid, "job id (default: a generated adjective_surnameN)");
    run.add_flag("-a,--attach", o.attach, "stream the job's input and output here; exit with its status");
    run.add_flag("--attachable", o.attachable, "let the daemon hold the job's input and output for a later attach");
    run.add_option("-o,--out", o.out, "file for the job's stdout and stderr");
    run.add_option("--pid-file", o.pid_file, "write the job's PID to this file");
    run.add_flag("--no-server", o.no_server, "run as a child of this command, without a daemon");
    run.add_flag("-g,--gpu-enabled", o.gpu_enabled, "enable GPU checkpointing for the job");
    run.add_flag("--gpu-tracing", o.gpu_tracing, "trace the job's GPU calls");
    run.add_option("--gpu-id", o.gpu_id, "GPU to run on");
}

std::vector<std::string> environment() {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
    return env;
}

struct Started {
    pid_t pid = -1;
};

// --no-server: the program is our child, with our stdio and session; its status is ours.
// Its start runs as a chain like the daemon's, so that it is profiled the same way; the
// table goes to stderr once the program is started, stdout being the program's.
[[noreturn]] void run_here(Globals& globals, const RunOptions& o) {
    using Chain = pipeline::Chain<jobs::SpawnSpec, const RunOptions, Started>;
    Chain chain;
    chain.use("prepare", "jobs",
              [](jobs::SpawnSpec& spec, const RunOptions& opts, Started& started, const Chain::Next& next) {
                  spec.args = opts.args;
                  spec.env = environment();
                  spec.cwd = std::filesystem::current_path().string();
                  spec.stdin_fd = STDIN_FILENO;
                  spec.stdout_fd = STDOUT_FILENO;
                  spec.stderr_fd = STDERR_FILENO;
                  spec.new_session = false;
                  next(spec, opts, started);
              })
        .handle("spawn", "process", [](jobs::SpawnSpec& spec, const RunOptions&, Started& started) { started.pid = jobs::spawn_job(spec); });
    const bool profiling = globals.want_profile(globals.load_config().config);
    pipeline::Profile profile;
    jobs::SpawnSpec spec;
    Started started;
    chain.run(spec, o, started, profiling ? &profile : nullptr);
    const pid_t pid = started.pid;
    write_pid_file(o.pid_file, pid);
    if (profiling) std::cerr << format_profile(api::to_proto(profile)) << std::flush;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail(ErrorKind::internal, "cannot wait for PID {}: {}", pid, std::strerror(errno));
    }
    std::exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

void run_process(Globals& globals, const RunOptions& o) {
    if (o.no_server && (o.attach || o.attachable)) {
        fail(ErrorKind::invalid_argument, "--no-server already runs the program attached here; drop --attach/--attachable");
    }
    if (o.no_server) run_here(globals, o);
    cedana::daemon::v1::RunReq req;
    req.set_type("process");
    for (const auto& a : o.args) req.add_args(a);
    req.set_jid(o.jid);
    if (!o.out.empty()) req.set_out(std::filesystem::absolute(o.out).lexically_normal().string());
    req.set_as_root(o.as_root);
    for (const auto& e : environment()) req.add_env(e);
    req.set_cwd(std::filesystem::current_path().string());
    req.set_gpu_enabled(o.gpu_enabled);
    req.set_attachable(o.attach || o.attachable);
    Client client = globals.client();
    const auto resp = client.run(req);
    write_pid_file(o.pid_file, resp.pid());
    // Before the result line, as for dump and restore, whose last line scripts read.
    if (client.profile()) std::cout << format_profile(*client.profile()) << '\n';
    if (o.attach) attach_to_job(globals, resp.jid(), 0);
    std::cout << "Started job " << resp.jid() << " (PID " << resp.pid() << "), output "
              << (resp.log().empty() ? std::string("held for attach") : "in " + resp.log()) << std::endl;
}

void add_process(CLI::App& parent, Globals& globals, std::shared_ptr<RunOptions> o, const std::string& name, const std::string& help) {
    auto* process = parent.add_subcommand(name, help);
    process->add_option("args", o->args, "the program and its arguments")->required();
    process->add_flag("--as-root", o->as_root, "run as root instead of as the calling user");
    process->callback([&globals, o] { run_process(globals, *o); });
}

}  // namespace

void add_run_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<RunOptions>());
    auto* run = root.add_subcommand("run", "Start a managed job")->require_subcommand(1);
    add_shared_flags(*run, *o);

    add_process(*run, globals, o, "process", "Run a program as a managed job");

    auto* runc = run->add_subcommand("runc", "Run a runc container as a managed job");
    runc->add_option("id", o->id, "container id");
    runc->add_option("-b,--bundle", o->bundle, "the container's bundle")->required();
    add_runc_flags(*runc, o->runc);
    runc->add_option("--preserve-fds", o->preserve_fds, "pass N extra file descriptors to the container");
    not_available_yet(*runc, "runc support");

    auto* containerd = run->add_subcommand("containerd", "Run a containerd container as a managed job");
    containerd->add_option("args", o->args, "image or rootfs, then command and arguments")->required();
    containerd->add_option("--id", o->id, "container id");
    containerd->add_option("--namespace", o->ns, "containerd namespace");
    containerd->add_option("--env", o->env, "K=V environment (repeatable)");
    containerd->add_option("--gpus", o->gpus, "GPUs, e.g. 0,1");
    containerd->add_option("--snapshotter", o->snapshotter, "containerd snapshotter");
    containerd->add_flag("--no-pivot", o->runc.no_pivot, "do not use pivot_root");
    not_available_yet(*containerd, "containerd support");

    auto exec_options = globals.keep(std::make_shared<RunOptions>());
    add_process(root, globals, exec_options, "exec", "Run a program as a managed job (alias of run process)");
    add_shared_flags(*root.get_subcommand("exec"), *exec_options);
}

void add_manage_commands(CLI::App& root, Globals& globals) {
    struct ManageOptions {
        std::string target;
        std::string jid;
        std::string pid_file;
        bool upcoming = false;
        bool gpu_enabled = false;
        bool gpu_tracing = false;
        std::string bundle;
        std::string root;
        std::string image;
        std::string ns;
    };
    auto o = globals.keep(std::make_shared<ManageOptions>());
    auto* manage = root.add_subcommand("manage", "Adopt a running process or container as a managed job")->require_subcommand(1);
    manage->add_option("-j,--jid", o->jid, "job id (default: generated)");
    manage->add_option("--pid-file", o->pid_file, "write the PID to this file");
    manage->add_flag("--upcoming", o->upcoming, "wait for it to appear");
    manage->add_flag("-g,--gpu-enabled", o->gpu_enabled, "enable GPU checkpointing for the job");
    manage->add_flag("--gpu-tracing", o->gpu_tracing, "trace the job's GPU calls");

    auto* process = manage->add_subcommand("process", "Adopt a running process by its PID");
    process->add_option("PID", o->target, "the process")->required();
    process->callback([&globals, o] {
        cedana::daemon::v1::ManageReq req;
        req.set_type("process");
        req.set_pid(parse_pid(o->target));
        req.set_jid(o->jid);
        req.set_upcoming(o->upcoming);
        req.set_gpu_enabled(o->gpu_enabled);
        const auto resp = globals.client().manage(req);
        write_pid_file(o->pid_file, resp.pid());
        std::cout << "Managing PID " << resp.pid() << " as job " << resp.jid() << std::endl;
    });

    auto* runc = manage->add_subcommand("runc", "Adopt a runc container");
    runc->add_option("container-id", o->target, "the container")->required();
    runc->add_option("--bundle", o->bundle, "the container's bundle");
    runc->add_option("--root", o->root, "runc root directory");
    not_available_yet(*runc, "runc support");

    auto* containerd = manage->add_subcommand("containerd", "Adopt a containerd container");
    containerd->add_option("container-id", o->target, "the container")->required();
    containerd->add_option("--image", o->image, "the container's image");
    containerd->add_option("--namespace", o->ns, "containerd namespace");
    not_available_yet(*containerd, "containerd support");
}

}  // namespace cedana::cli
