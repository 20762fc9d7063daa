#include "cli/commands/commands.hpp"

namespace cedana::cli {

namespace {

struct DumpOptions {
    std::string dir;
    std::string name;
    std::string compression;
    int streams = 0;
    bool leave_running = false;
    bool shell_job = false;
    bool tcp_established = false;
    bool skip_in_flight = false;
    bool file_locks = false;
    bool link_remap = false;
    std::vector<std::string> externals;
    std::string criu_opts;
    std::string root;
    std::string ns;
    std::string image;
    bool rootfs = false;
    bool rootfs_only = false;
    std::string target;
};

// Flags shared by every `dump` subcommand: on the parent, so they may stand before or after it.
void add_shared_flags(CLI::App& dump, DumpOptions& o) {
    dump.add_option("-d,--dir", o.dir, "directory to write the checkpoint in (default Checkpoint.Dir, else /tmp)");
    dump.add_option("--name", o.name, "name of the checkpoint (default dump-<type>-<time>)");
    dump.add_option("--compression", o.compression, "none, tar, gzip, lz4, zlib or zstd (default Checkpoint.Compression)");
    dump.add_option("--streams", o.streams, "write N parallel image streams (N >= 2)");
    dump.add_flag("--leave-running", o.leave_running, "leave the process running after the dump");
    dump.add_flag("--shell-job", o.shell_job, "the process was started from a shell and shares its session");
    dump.add_flag("--tcp-established", o.tcp_established, "checkpoint established TCP connections");
    dump.add_flag("--skip-in-flight", o.skip_in_flight, "skip TCP connections that are being opened");
    dump.add_flag("--file-locks", o.file_locks, "checkpoint file locks");
    dump.add_flag("--link-remap", o.link_remap, "allow linked remaps of deleted files");
    dump.add_option("--external", o.externals, "an external resource, as CRIU's --external (repeatable)");
    dump.add_option("--criu-opts", o.criu_opts, "CRIU options as JSON, by name; override the flags above");
}

}  // namespace

void add_dump_commands(CLI::App& root, Globals&) {
    auto o = std::make_shared<DumpOptions>();
    auto* dump = root.add_subcommand("dump", "Checkpoint a process, container or job")->require_subcommand(1);
    add_shared_flags(*dump, *o);

    auto* process = dump->add_subcommand("process", "Checkpoint a process tree by its PID");
    process->add_option("PID", o->target, "the process to checkpoint")->required();
    not_available_yet(*process, "process checkpoint/restore");

    auto* runc = dump->add_subcommand("runc", "Checkpoint a runc container");
    runc->add_option("container-id", o->target, "the container")->required();
    runc->add_option("--root", o->root, "runc root directory");
    not_available_yet(*runc, "runc support");

    auto* containerd = dump->add_subcommand("containerd", "Checkpoint a containerd container");
    containerd->add_option("container-id", o->target, "the container")->required();
    containerd->add_option("--namespace", o->ns, "containerd namespace");
    containerd->add_option("--image", o->image, "push the checkpoint as this image reference");
    containerd->add_flag("--rootfs", o->rootfs, "also checkpoint the container's root filesystem");
    containerd->add_flag("--rootfs-only", o->rootfs_only, "checkpoint only the root filesystem");
    not_available_yet(*containerd, "containerd support");

    auto* job = dump->add_subcommand("job", "Checkpoint a managed job, whatever its type");
    job->add_option("JID", o->target, "the job")->required();
    job->add_option("--root", o->root, "runc root directory (runc jobs)");
    job->add_option("--namespace", o->ns, "containerd namespace (containerd jobs)");
    job->add_option("--image", o->image, "image reference (containerd jobs)");
    job->add_flag("--rootfs", o->rootfs, "also checkpoint the root filesystem (containerd jobs)");
    job->add_flag("--rootfs-only", o->rootfs_only, "checkpoint only the root filesystem (containerd jobs)");
    not_available_yet(*job, "managed jobs");
}

}  // namespace cedana::cli
