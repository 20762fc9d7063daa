#include "cli/commands/commands.hpp"

namespace cedana::cli {

namespace {

struct TargetOptions {
    std::string target;
    std::string root;
    std::string ns;
};

void add_group(CLI::App& root, Globals& globals, const std::string& verb, const std::string& help) {
    auto o = globals.keep(std::make_shared<TargetOptions>());
    auto* group = root.add_subcommand(verb, help)->require_subcommand(1);
    auto* process = group->add_subcommand("process", help + ": a process by its PID");
    process->add_option("PID", o->target, "the process")->required();
    auto* runc = group->add_subcommand("runc", help + ": a runc container");
    runc->add_option("id", o->target, "the container")->required();
    runc->add_option("--root", o->root, "runc root directory");
    auto* containerd = group->add_subcommand("containerd", help + ": a containerd container");
    containerd->add_option("id", o->target, "the container")->required();
    containerd->add_option("--namespace", o->ns, "containerd namespace");
    auto* job = group->add_subcommand("job", help + ": a managed job");
    job->add_option("JID", o->target, "the job")->required();
    for (auto* cmd : {process, runc, containerd, job}) not_available_yet(*cmd, "freeze and unfreeze");
}

}  // namespace

void add_freeze_commands(CLI::App& root, Globals& globals) {
    add_group(root, globals, "freeze", "Stop a process, container or job without checkpointing it");
    add_group(root, globals, "unfreeze", "Resume a frozen process, container or job");
}

}  // namespace cedana::cli
