#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <iostream>

#include <google/protobuf/util/json_util.h>

#include "cli/attach.hpp"
#include "cli/checkpoint_inspect.hpp"
#include "cli/commands/commands.hpp"
#include "cli/job_table.hpp"
#include "cli/pid_file.hpp"
#include "proc/process_info.hpp"
#include "storage/location.hpp"
#include "util/clock.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace v1 = cedana::daemon::v1;

namespace {

struct JobOptions {
    std::vector<std::string> jids;
    std::string jid;
    std::string pid;
    std::string checkpoint_id;
    std::string type;
    std::string signal;
    bool all = false;
    bool json = false;
    bool checkpoints = false;
};

// "TERM", "SIGTERM" or "15".
int parse_signal(const std::string& text) {
    if (text.empty()) return SIGKILL;
    if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return std::stoi(text);
    const std::string name = text.starts_with("SIG") ? text.substr(3) : text;
    for (int sig = 1; sig < NSIG; ++sig) {
        const char* abbrev = sigabbrev_np(sig);
        if (abbrev != nullptr && name == abbrev) return sig;
    }
    fail(ErrorKind::invalid_argument, "unknown signal \"{}\": use a name like TERM or a number", text);
}

void list(Globals& globals) {
    auto client = globals.client();
    std::cout << format_jobs(client.list_jobs({}), util::unix_seconds());
}

void inspect(Globals& globals, const JobOptions& o) {
    auto client = globals.client();
    v1::ListJobsReq req;
    req.add_jids(o.jid);
    const auto jobs = client.list_jobs(req);
    v1::ListCheckpointsReq creq;
    creq.set_jid(o.jid);
    const auto checkpoints = client.list_checkpoints(creq);
    if (o.json) {
        std::string text;
        google::protobuf::util::JsonPrintOptions options;
        options.add_whitespace = true;
        options.preserve_proto_field_names = true;
        if (!google::protobuf::util::MessageToJsonString(jobs.jobs(0), &text, options).ok()) {
            fail(ErrorKind::internal, "cannot print job {} as JSON", o.jid);
        }
        std::cout << text;
        return;
    }
    std::cout << format_job(jobs.jobs(0), checkpoints, util::unix_seconds());
}

void kill(Globals& globals, const JobOptions& o) {
    v1::KillJobsReq req;
    for (const auto& jid : o.jids) req.add_jids(jid);
    req.set_all(o.all);
    req.set_signal(parse_signal(o.signal));
    const auto resp = globals.client().kill_jobs(req);
    for (const auto& jid : resp.jids()) std::cout << "Killed " << jid << '\n';
}

void remove(Globals& globals, const JobOptions& o) {
    v1::DeleteJobsReq req;
    for (const auto& jid : o.jids) req.add_jids(jid);
    req.set_all(o.all);
    req.set_checkpoints(o.checkpoints);
    const auto resp = globals.client().delete_jobs(req);
    for (const auto& jid : resp.jids()) std::cout << "Deleted " << jid << '\n';
}

void checkpoints(Globals& globals, const JobOptions& o) {
    v1::ListCheckpointsReq req;
    req.set_jid(o.jid);
    std::cout << format_checkpoints(globals.client().list_checkpoints(req));
}

// A checkpoint id is looked up in the job database; a path is inspected as it is.
void inspect_checkpoint_by_id(Globals& globals, const JobOptions& o) {
    if (std::filesystem::exists(o.checkpoint_id) || !storage::scheme_of(o.checkpoint_id).empty()) {
        inspect_checkpoint(o.checkpoint_id, o.type, globals.load_config().config);
        return;
    }
    v1::ListCheckpointsReq req;
    req.set_id(o.checkpoint_id);
    const auto resp = globals.client().list_checkpoints(req);
    inspect_checkpoint(resp.checkpoints(0).path(), o.type, globals.load_config().config);
}

void add_list(CLI::App& parent, Globals& globals, JobOptions& o, const std::string& name) {
    auto* cmd = parent.add_subcommand(name, "List managed jobs");
    cmd->add_flag("-a,--all", o.all, "include jobs of every type and state");
    if (name == "list") cmd->alias("ls");
    cmd->callback([&globals] { list(globals); });
}

CLI::App* add_kill(CLI::App& parent, Globals& globals, JobOptions& o) {
    auto* cmd = parent.add_subcommand("kill", "Kill managed jobs");
    cmd->add_option("JID", o.jids, "the jobs");
    cmd->add_flag("-a,--all", o.all, "all running jobs");
    cmd->add_option("--signal", o.signal, "signal to send, by name or number (default KILL)");
    cmd->callback([&globals, &o] { kill(globals, o); });
    return cmd;
}

CLI::App* add_delete(CLI::App& parent, Globals& globals, JobOptions& o) {
    auto* cmd = parent.add_subcommand("delete", "Delete managed jobs, killing those still running");
    cmd->add_option("JID", o.jids, "the jobs");
    cmd->add_flag("-a,--all", o.all, "all jobs");
    cmd->add_flag("--checkpoints", o.checkpoints, "also remove the jobs' checkpoint files");
    cmd->callback([&globals, &o] { remove(globals, o); });
    return cmd;
}

void add_checkpoint_group(CLI::App& parent, Globals& globals, JobOptions& o, const std::string& name) {
    auto* group = parent.add_subcommand(name, "List or inspect a job's checkpoints")->require_subcommand(1);
    auto* list = group->add_subcommand("list", "List a job's checkpoints, newest first");
    list->add_option("JID", o.jid, "the job")->required();
    list->callback([&globals, &o] { checkpoints(globals, o); });
    auto* inspect = group->add_subcommand("inspect", "Show a checkpoint's metadata, or decode its images with --type");
    inspect->add_option("checkpoint-id", o.checkpoint_id, "the checkpoint: its id, or its path (directory or archive)")->required();
    inspect->add_option("-t,--type", o.type, "ps (process tree), fd (files), mem (memory areas), rss (resident pages), sk (sockets)");
    inspect->callback([&globals, &o] { inspect_checkpoint_by_id(globals, o); });
}

void add_checkpoints(CLI::App& parent, Globals& globals, JobOptions& o) {
    auto* cmd = parent.add_subcommand("checkpoints", "List a job's checkpoints (alias of job checkpoint list)");
    cmd->add_option("JID", o.jid, "the job")->required();
    cmd->callback([&globals, &o] { checkpoints(globals, o); });
}

}  // namespace

void add_job_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<JobOptions>());
    auto* job = root.add_subcommand("job", "Manage jobs: list, inspect, kill, delete, attach, checkpoints")->require_subcommand(1);
    add_list(*job, globals, *o, "list");
    auto* inspect_cmd = job->add_subcommand("inspect", "Show everything about a job");
    inspect_cmd->add_option("JID", o->jid, "the job")->required();
    inspect_cmd->add_flag("--json", o->json, "as JSON");
    inspect_cmd->callback([&globals, o] { inspect(globals, *o); });
    add_kill(*job, globals, *o);
    add_delete(*job, globals, *o);
    auto* attach = job->add_subcommand("attach", "Attach to an attachable job's input and output");
    attach->add_option("JID", o->jid, "the job")->required();
    attach->callback([&globals, o] { attach_to_job(globals, o->jid, 0); });
    add_checkpoint_group(*job, globals, *o, "checkpoint");
    add_checkpoints(*job, globals, *o);

    add_list(root, globals, *o, "ps");
    root.get_subcommand("ps")->alias("jobs");
    add_kill(root, globals, *o)->description("Kill managed jobs (alias of job kill)");
    add_delete(root, globals, *o)->description("Delete managed jobs (alias of job delete)");
    auto* attach_pid = root.add_subcommand("attach", "Attach to an attachable job by its PID");
    attach_pid->add_option("PID", o->pid, "the job's process")->required();
    attach_pid->callback([&globals, o] { attach_to_job(globals, "", proc::parse_pid(o->pid)); });
    add_checkpoints(root, globals, *o);
    add_checkpoint_group(root, globals, *o, "checkpoint");
}

}  // namespace cedana::cli
