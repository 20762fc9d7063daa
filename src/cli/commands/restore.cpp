#include "cli/commands/commands.hpp"

namespace cedana::cli {

namespace {

struct RestoreOptions {
    std::string path;
    bool attach = false;
    bool attachable = false;
    std::string out;
    std::string pid_file;
    bool no_server = false;
    bool leave_stopped = false;
    bool shell_job = false;
    bool tcp_established = false;
    bool tcp_close = false;
    bool file_locks = false;
    bool link_remap = false;
    std::vector<std::string> externals;
    std::string criu_opts;
    std::string gpu_id;
    std::string bundle;
    std::string id;
    std::string root;
    bool detach = false;
    std::string console_socket;
    bool no_pivot = false;
    bool no_new_keyring = false;
    bool no_subreaper = false;
    std::string rootless;
    bool systemd_cgroup = false;
    std::string log;
    std::string log_format;
    std::string netns_ipv4;
    std::string image;
    std::string ns;
    std::vector<std::string> env;
    std::string gpus;
    std::string target;
};

void add_shared_flags(CLI::App& restore, RestoreOptions& o) {
    restore.add_flag("-a,--attach", o.attach, "stream the restored process's input and output here");
    restore.add_flag("--attachable", o.attachable, "let the daemon hold its input and output for a later attach");
    restore.add_option("-o,--out", o.out, "file for the restored process's stdout and stderr");
    restore.add_option("--pid-file", o.pid_file, "write the restored PID to this file");
    restore.add_flag("--no-server", o.no_server, "restore as a child of this command, without a daemon");
    restore.add_flag("--leave-stopped", o.leave_stopped, "leave the restored process stopped");
    restore.add_flag("--shell-job", o.shell_job, "the process was a shell job");
    restore.add_flag("--tcp-established", o.tcp_established, "restore established TCP connections");
    restore.add_flag("--tcp-close", o.tcp_close, "restore TCP connections closed");
    restore.add_flag("--file-locks", o.file_locks, "restore file locks");
    restore.add_flag("--link-remap", o.link_remap, "allow linked remaps of deleted files");
    restore.add_option("--external", o.externals, "an external resource, as CRIU's --external (repeatable)");
    restore.add_option("--criu-opts", o.criu_opts, "CRIU options as JSON, by name; override the flags above");
    restore.add_option("--gpu-id", o.gpu_id, "GPU to restore onto");
}

void add_runc_flags(CLI::App& cmd, RestoreOptions& o) {
    cmd.add_option("-b,--bundle", o.bundle, "the container's bundle");
    cmd.add_option("--id", o.id, "id of the restored container");
    cmd.add_option("--root", o.root, "runc root directory");
    cmd.add_flag("--detach", o.detach, "detach from the container");
    cmd.add_option("--console-socket", o.console_socket, "socket to send the console's pty to");
    cmd.add_flag("--no-pivot", o.no_pivot, "do not use pivot_root");
    cmd.add_flag("--no-new-keyring", o.no_new_keyring, "do not create a new session keyring");
    cmd.add_flag("--no-subreaper", o.no_subreaper, "do not become a subreaper");
    cmd.add_option("--rootless", o.rootless, "true, false or auto");
    cmd.add_flag("--systemd-cgroup", o.systemd_cgroup, "use systemd cgroups");
    cmd.add_option("--log", o.log, "runc log file");
    cmd.add_option("--log-format", o.log_format, "text or json");
}

void add_containerd_flags(CLI::App& cmd, RestoreOptions& o) {
    cmd.add_option("--image", o.image, "image of the container");
    cmd.add_option("--namespace", o.ns, "containerd namespace");
    cmd.add_option("--env", o.env, "K=V environment of the container (repeatable)");
    cmd.add_option("--gpus", o.gpus, "GPUs, e.g. 0,1");
}

}  // namespace

void add_restore_commands(CLI::App& root, Globals&) {
    auto o = std::make_shared<RestoreOptions>();
    auto* restore = root.add_subcommand("restore", "Restore a process, container or job from a checkpoint")->require_subcommand(1);
    add_shared_flags(*restore, *o);

    auto* process = restore->add_subcommand("process", "Restore a process tree, keeping its PIDs");
    process->add_option("-p,--path", o->path, "checkpoint directory or archive")->required();
    not_available_yet(*process, "process checkpoint/restore");

    auto* runc = restore->add_subcommand("runc", "Restore a runc container");
    runc->add_option("-p,--path", o->path, "checkpoint directory or archive")->required();
    add_runc_flags(*runc, *o);
    runc->add_option("--netns-eth0-ipv4-addr", o->netns_ipv4, "IPv4 address for eth0 in the container's network namespace");
    not_available_yet(*runc, "runc support");

    auto* containerd = restore->add_subcommand("containerd", "Restore a containerd container");
    containerd->add_option("container-id", o->target, "the container");
    containerd->add_option("-p,--path", o->path, "checkpoint directory or archive")->required();
    containerd->add_option("--id", o->id, "id of the restored container");
    add_containerd_flags(*containerd, *o);
    not_available_yet(*containerd, "containerd support");

    auto* job = restore->add_subcommand("job", "Restore a managed job from its newest checkpoint");
    job->add_option("JID", o->target, "the job")->required();
    job->add_option("-p,--path", o->path, "checkpoint to restore instead of the newest");
    add_runc_flags(*job, *o);
    add_containerd_flags(*job, *o);
    not_available_yet(*job, "managed jobs");
}

}  // namespace cedana::cli
