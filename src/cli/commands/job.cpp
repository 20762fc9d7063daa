#include "cli/checkpoint_inspect.hpp"
#include "cli/commands/commands.hpp"

namespace cedana::cli {

namespace {

struct JobOptions {
    std::vector<std::string> jids;
    std::string jid;
    std::string pid;
    std::string checkpoint_id;
    std::string type;
    std::string signal;
    bool all = false;
};

// Each of these is reachable at two places (`job list` and `ps`), so it is built by a
// function called once per place.
void add_list(CLI::App& parent, JobOptions& o, const std::string& name) {
    auto* list = parent.add_subcommand(name, "List managed jobs");
    list->add_flag("-a,--all", o.all, "include jobs of every type and state");
    if (name == "list") list->alias("ls");
    not_available_yet(*list, "managed jobs");
}

CLI::App* add_kill(CLI::App& parent, JobOptions& o) {
    auto* kill = parent.add_subcommand("kill", "Kill managed jobs");
    kill->add_option("JID", o.jids, "the jobs");
    kill->add_flag("-a,--all", o.all, "all jobs");
    kill->add_option("--signal", o.signal, "signal to send (default KILL)");
    not_available_yet(*kill, "managed jobs");
    return kill;
}

CLI::App* add_delete(CLI::App& parent, JobOptions& o) {
    auto* del = parent.add_subcommand("delete", "Delete managed jobs, killing those still running");
    del->add_option("JID", o.jids, "the jobs");
    del->add_flag("-a,--all", o.all, "all jobs");
    not_available_yet(*del, "managed jobs");
    return del;
}

void add_checkpoint_group(CLI::App& parent, JobOptions& o, const std::string& name) {
    auto* group = parent.add_subcommand(name, "List or inspect a job's checkpoints")->require_subcommand(1);
    auto* list = group->add_subcommand("list", "List a job's checkpoints");
    list->add_option("JID", o.jid, "the job")->required();
    not_available_yet(*list, "managed jobs");
    auto* inspect = group->add_subcommand("inspect", "Show a checkpoint's metadata, or decode its images with --type");
    inspect->add_option("checkpoint-id", o.checkpoint_id, "the checkpoint: its path (directory or archive)")->required();
    inspect->add_option("-t,--type", o.type, "ps (process tree), fd (files), mem (memory areas), rss (resident pages), sk (sockets)");
    inspect->callback([&o] { inspect_checkpoint(o.checkpoint_id, o.type); });
}

void add_checkpoints(CLI::App& parent, JobOptions& o) {
    auto* list = parent.add_subcommand("checkpoints", "List a job's checkpoints (alias of job checkpoint list)");
    list->add_option("JID", o.jid, "the job")->required();
    not_available_yet(*list, "managed jobs");
}

}  // namespace

void add_job_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<JobOptions>());
    auto* job = root.add_subcommand("job", "Manage jobs: list, inspect, kill, delete, attach, checkpoints")->require_subcommand(1);
    add_list(*job, *o, "list");
    auto* inspect = job->add_subcommand("inspect", "Show everything about a job");
    inspect->add_option("JID", o->jid, "the job")->required();
    not_available_yet(*inspect, "managed jobs");
    add_kill(*job, *o);
    add_delete(*job, *o);
    auto* attach = job->add_subcommand("attach", "Attach to an attachable job's input and output");
    attach->add_option("JID", o->jid, "the job")->required();
    not_available_yet(*attach, "managed jobs");
    add_checkpoint_group(*job, *o, "checkpoint");
    add_checkpoints(*job, *o);

    add_list(root, *o, "ps");
    root.get_subcommand("ps")->alias("jobs");
    add_kill(root, *o)->description("Kill managed jobs (alias of job kill)");
    add_delete(root, *o)->description("Delete managed jobs (alias of job delete)");
    auto* attach_pid = root.add_subcommand("attach", "Attach to an attachable job by its PID");
    attach_pid->add_option("PID", o->pid, "the job's process")->required();
    not_available_yet(*attach_pid, "managed jobs");
    add_checkpoints(root, *o);
    add_checkpoint_group(root, *o, "checkpoint");
}

}  // namespace cedana::cli
