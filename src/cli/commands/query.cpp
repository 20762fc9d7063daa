#include "cli/commands/commands.hpp"

namespace cedana::cli {

void add_query_commands(CLI::App& root, Globals& globals) {
    struct QueryOptions {
        std::vector<std::string> targets;
        bool tree = false;
        bool inspect = false;
        std::string root;
        std::string ns;
        std::string container_type;
    };
    auto o = globals.keep(std::make_shared<QueryOptions>());
    auto* query = root.add_subcommand("query", "Describe processes, containers or pods that could be checkpointed")
                      ->require_subcommand(1);
    query->add_flag("-t,--tree", o->tree, "include the whole process tree");
    query->add_flag("-i,--inspect", o->inspect, "show details");

    auto* process = query->add_subcommand("process", "Describe processes by PID");
    process->add_option("PID", o->targets, "the processes")->required();
    auto* runc = query->add_subcommand("runc", "Describe runc containers");
    runc->add_option("ID", o->targets, "the containers")->required();
    runc->add_option("--root", o->root, "runc root directory");
    auto* containerd = query->add_subcommand("containerd", "Describe containerd containers");
    containerd->add_option("ID", o->targets, "the containers")->required();
    containerd->add_option("--namespace", o->ns, "containerd namespace");
    auto* k8s = query->add_subcommand("k8s", "Describe Kubernetes pods");
    k8s->add_option("pod-name", o->targets, "the pods")->required();
    k8s->add_option("--namespace", o->ns, "Kubernetes namespace");
    k8s->add_option("--container-type", o->container_type, "container or sandbox");
    for (auto* cmd : {process, runc, containerd, k8s}) not_available_yet(*cmd, "query");
}

}  // namespace cedana::cli
