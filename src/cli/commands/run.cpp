#include "cli/commands/commands.hpp"
#include "cli/runc_flags.hpp"

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

void add_process(CLI::App& parent, RunOptions& o, const std::string& name, const std::string& help) {
    auto* process = parent.add_subcommand(name, help);
    process->add_option("args", o.args, "the program and its arguments")->required();
    process->add_flag("--as-root", o.as_root, "run as root instead of as the calling user");
    not_available_yet(*process, "managed jobs");
}

}  // namespace

void add_run_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<RunOptions>());
    auto* run = root.add_subcommand("run", "Start a managed job")->require_subcommand(1);
    add_shared_flags(*run, *o);

    add_process(*run, *o, "process", "Run a program as a managed job");

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

    auto* exec = root.add_subcommand("exec", "Run a program as a managed job (alias of run process)");
    add_shared_flags(*exec, *o);
    exec->add_option("args", o->args, "the program and its arguments")->required();
    exec->add_flag("--as-root", o->as_root, "run as root instead of as the calling user");
    not_available_yet(*exec, "managed jobs");
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
    not_available_yet(*process, "managed jobs");

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
