#include <filesystem>
#include <iostream>

#include "cli/progress_display.hpp"
#include "cli/client.hpp"
#include "cli/commands/commands.hpp"
#include "cli/location_arg.hpp"
#include "cli/criu_flags.hpp"
#include "cli/workload_commands.hpp"
#include "cli/profile_table.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace {

// Flags shared by every `dump` subcommand: on the parent, so they may stand before or after it.
void add_shared_flags(CLI::App& dump, DumpOptions& o) {
    dump.add_option("-d,--dir", o.dir, "directory to write the checkpoint in (default Checkpoint.Dir, else /tmp)");
    dump.add_option("--name", o.name, "name of the checkpoint (default dump-<type>-<time>)");
    dump.add_option("--compression", o.compression, "none, tar, gzip, lz4, zlib or zstd (default Checkpoint.Compression)");
    dump.add_option("--streams", o.streams, "write N parallel image streams (N >= 2; 0: none, whatever Checkpoint.Streams says)");
    dump.add_flag("--leave-running", o.criu.leave_running, "leave the process running after the dump");
    dump.add_flag("--skip-in-flight", o.criu.skip_in_flight, "skip TCP connections that are being opened");
    add_common_criu_flags(dump, o.criu);
}

}  // namespace

void send_dump(Globals& globals, const DumpOptions& o, cedana::daemon::v1::DumpReq req) {
    if (!o.dir.empty()) req.set_dir(local_or_url(o.dir));
    req.set_name(o.name);
    req.set_compression(o.compression);
    if (o.streams) req.set_streams(*o.streams);
    *req.mutable_criu() = o.criu.to_proto();

    const config::Loaded loaded = globals.load_config();
    Client client(loaded.config, globals.config_json, globals.want_profile(loaded.config));
    ProgressDisplay progress(client, [&] { return Client(loaded.config, globals.config_json, false); });
    const auto resp = client.dump(req);
    progress.summarize(client);
    if (client.profile()) std::cout << format_profile(*client.profile()) << '\n';
    std::cout << "Dumped to " << resp.path() << std::endl;
}

void add_dump_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<DumpOptions>());
    auto* dump = root.add_subcommand("dump", "Checkpoint a process, container or job")->require_subcommand(1);
    add_shared_flags(*dump, *o);

    add_plugin_commands(*dump, globals, o);

    auto* job = dump->add_subcommand("job", "Checkpoint a managed job, whatever its type");
    job->add_option("JID", o->target, "the job")->required();
    job->add_option("--root", o->root, "runc root directory (runc jobs)");
    job->add_option("--namespace", o->ns, "containerd namespace (containerd jobs)");
    job->add_option("--image", o->image, "image reference (containerd jobs)");
    job->add_flag("--rootfs", o->rootfs, "also checkpoint the root filesystem (containerd jobs)");
    job->add_flag("--rootfs-only", o->rootfs_only, "checkpoint only the root filesystem (containerd jobs)");
    job->callback([&globals, o] {
        cedana::daemon::v1::DumpReq req;
        req.set_type("job");
        req.set_jid(o->target);
        // Where the job's plugin finds its workload, when it is not where the job recorded it.
        if (!o->root.empty()) (*req.mutable_details())["root"] = std::filesystem::absolute(o->root).lexically_normal().string();
        if (!o->ns.empty()) (*req.mutable_details())["namespace"] = o->ns;
        if (!o->image.empty()) (*req.mutable_details())["commit_image"] = o->image;
        if (o->rootfs) (*req.mutable_details())["rootfs"] = "true";
        if (o->rootfs_only) (*req.mutable_details())["rootfs_only"] = "true";
        send_dump(globals, *o, std::move(req));
    });
}

}  // namespace cedana::cli
