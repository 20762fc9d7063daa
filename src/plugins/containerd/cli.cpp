#include "plugins/containerd/cli.hpp"

#include <nlohmann/json.hpp>

#include "cli/workload_commands.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace v1 = cedana::daemon::v1;

void add_commands() {
    cli::add_run_command("containerd", [](CLI::App& run, cli::Globals& globals, const std::shared_ptr<cli::RunOptions>& o) {
        auto* cmd = run.add_subcommand("containerd", "Run a container of an image in containerd's store as a managed job");
        cmd->add_option("args", o->args, "the image, then the command and its arguments (default: the image's)")->required();
        cmd->add_option("--id", o->id, "container id (default: the job id)");
        cmd->add_option("--namespace", o->ns, "containerd namespace (default: default)");
        cmd->add_option("--env", o->env, "K=V environment, over the image's (repeatable)")->allow_extra_args(false);
        cmd->add_option("--gpus", o->gpus, "GPUs, e.g. 0,1");
        cmd->add_option("--snapshotter", o->snapshotter, "containerd snapshotter (default: overlayfs)");
        cmd->add_flag("--no-pivot", o->runc.no_pivot, "do not use pivot_root");
        cmd->callback([&globals, o] {
            if (o->no_server) fail(ErrorKind::invalid_argument, "run containerd goes through the daemon; drop --no-server");
            if (!o->gpus.empty()) fail(ErrorKind::unimplemented, "--gpus: GPU containers are not available yet");
            v1::RunReq req;
            req.set_type("containerd");
            for (const auto& arg : o->args) req.add_args(arg);
            auto& details = *req.mutable_details();
            if (!o->id.empty()) details["id"] = o->id;
            if (!o->ns.empty()) details["namespace"] = o->ns;
            if (!o->snapshotter.empty()) details["snapshotter"] = o->snapshotter;
            if (!o->env.empty()) details["env"] = nlohmann::json(o->env).dump();
            if (o->runc.no_pivot) details["no_pivot"] = "true";
            cli::send_run(globals, *o, std::move(req));
        });
    });
    cli::add_manage_command("containerd", [](CLI::App& manage, cli::Globals& globals, const std::shared_ptr<cli::ManageOptions>& o) {
        auto* cmd = manage.add_subcommand("containerd", "Adopt a running containerd container");
        cmd->add_option("container-id", o->target, "the container")->required();
        cmd->add_option("--image", o->image, "the image it must run");
        cmd->add_option("--namespace", o->ns, "containerd namespace (default: default)");
        cmd->callback([&globals, o] {
            v1::ManageReq req;
            req.set_type("containerd");
            auto& details = *req.mutable_details();
            details["id"] = o->target;
            if (!o->ns.empty()) details["namespace"] = o->ns;
            if (!o->image.empty()) details["image"] = o->image;
            cli::send_manage(globals, *o, std::move(req));
        });
    });
    cli::add_dump_command("containerd", [](CLI::App& dump, cli::Globals& globals, const std::shared_ptr<cli::DumpOptions>& o) {
        auto* cmd = dump.add_subcommand("containerd", "Checkpoint a containerd container");
        cmd->add_option("container-id", o->target, "the container")->required();
        cmd->add_option("--namespace", o->ns, "containerd namespace (default: default)");
        cmd->add_option("--image", o->image, "commit the container's writable layer as this image");
        cmd->add_flag("--rootfs", o->rootfs, "also checkpoint the container's writable layer");
        cmd->add_flag("--rootfs-only", o->rootfs_only, "checkpoint only the writable layer");
        cmd->callback([&globals, o] {
            v1::DumpReq req;
            req.set_type("containerd");
            auto& details = *req.mutable_details();
            details["id"] = o->target;
            if (!o->ns.empty()) details["namespace"] = o->ns;
            if (!o->image.empty()) details["commit_image"] = o->image;
            if (o->rootfs) details["rootfs"] = "true";
            if (o->rootfs_only) details["rootfs_only"] = "true";
            cli::send_dump(globals, *o, std::move(req));
        });
    });
    cli::add_restore_command("containerd", [](CLI::App& restore, cli::Globals& globals, const std::shared_ptr<cli::RestoreOptions>& o) {
        auto* cmd = restore.add_subcommand("containerd", "Restore a containerd container, as a task containerd knows");
        cmd->add_option("container-id", o->target, "id of the restored container (default: the dumped one's)");
        cmd->add_option("-p,--path", o->path, "checkpoint directory or archive")->required();
        cmd->add_option("--id", o->id, "id of the restored container (default: the dumped one's)");
        cmd->add_option("--image", o->image, "image of the container, when it is made anew (default: the dumped one's)");
        cmd->add_option("--namespace", o->ns, "containerd namespace (default: default)");
        cmd->add_option("--env", o->env, "K=V environment (repeatable)");
        cmd->add_option("--gpus", o->gpus, "GPUs, e.g. 0,1");
        cmd->callback([&globals, o] {
            if (o->no_server) fail(ErrorKind::invalid_argument, "restore containerd goes through the daemon (containerd makes the task); drop --no-server");
            if (!o->env.empty()) {
                fail(ErrorKind::invalid_argument, "--env: a restored container's environment is the one it had when it was dumped (it is in its memory)");
            }
            if (!o->gpus.empty()) fail(ErrorKind::unimplemented, "--gpus: GPU containers are not available yet");
            if (!o->target.empty() && !o->id.empty() && o->target != o->id) {
                fail(ErrorKind::invalid_argument, "the container id is given twice ({} and --id {})", o->target, o->id);
            }
            v1::RestoreReq req;
            req.set_type("containerd");
            auto& details = *req.mutable_details();
            const std::string id = o->id.empty() ? o->target : o->id;
            if (!id.empty()) details["id"] = id;
            if (!o->ns.empty()) details["namespace"] = o->ns;
            if (!o->image.empty()) details["image"] = o->image;
            cli::send_restore(globals, *o, std::move(req));
        });
    });
    cli::add_freeze_command("containerd", [](CLI::App& group, cli::Globals& globals, const std::shared_ptr<cli::FreezeOptions>& o) {
        auto* cmd = group.add_subcommand("containerd", group.get_description() + ": a containerd container, through containerd (as ctr task pause)");
        cmd->add_option("id", o->target, "the container")->required();
        cmd->add_option("--namespace", o->ns, "containerd namespace (default: default)");
        cmd->callback([&globals, o] {
            v1::FreezeReq req;
            req.set_type("containerd");
            req.set_id(o->target);
            if (!o->ns.empty()) (*req.mutable_details())["namespace"] = o->ns;
            cli::send_freeze(globals, *o, std::move(req));
        });
    });
    cli::add_query_command("containerd", [](CLI::App& query, cli::Globals& globals, const std::shared_ptr<cli::QueryOptions>& o) {
        auto* cmd = query.add_subcommand("containerd", "Describe containerd containers");
        cmd->add_option("ID", o->targets, "the containers")->required();
        cmd->add_option("--namespace", o->ns, "containerd namespace (default: default)");
        cmd->callback([&globals, o] {
            v1::QueryReq req;
            req.set_type("containerd");
            if (!o->ns.empty()) (*req.mutable_details())["namespace"] = o->ns;
            cli::send_query(globals, *o, std::move(req));
        });
    });
}

}  // namespace cedana::plugins::containerd
