#include "plugins/containerd/cli.hpp"

#include "cli/workload_commands.hpp"

namespace cedana::plugins::containerd {

namespace v1 = cedana::daemon::v1;

void add_commands() {
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
