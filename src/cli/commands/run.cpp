#include <filesystem>
#include <iostream>

#include "cli/attach.hpp"
#include "cli/client.hpp"
#include "cli/commands/commands.hpp"
#include "cli/pid_file.hpp"
#include "cli/profile_table.hpp"
#include "cli/runc_flags.hpp"
#include "cli/workload_commands.hpp"
#include "util/error.hpp"

extern char** environ;

namespace cedana::cli {

void add_run_shared_flags(CLI::App& run, RunOptions& o) {
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

void send_run(Globals& globals, const RunOptions& o, cedana::daemon::v1::RunReq req) {
    req.set_jid(o.jid);
    if (!o.out.empty()) req.set_out(std::filesystem::absolute(o.out).lexically_normal().string());
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) req.add_env(*e);
    req.set_cwd(std::filesystem::current_path().string());
    req.set_gpu_enabled(o.gpu_enabled);
    req.set_attachable(o.attach || o.attachable);
    Client client = globals.client();
    const auto resp = client.run(req);
    write_pid_file(o.pid_file, resp.pid());
    // Before the result line, as for dump and restore, whose last line scripts read.
    if (client.profile()) std::cout << format_profile(*client.profile()) << '\n';
    if (o.attach) attach_to_job(globals, resp.jid(), 0);
    std::cout << "Started job " << resp.jid() << " (PID " << resp.pid() << "), output "
              << (!resp.log().empty() ? "in " + resp.log() : req.attachable() ? std::string("held for attach") : std::string("on its terminal"))
              << std::endl;
}

void send_manage(Globals& globals, const ManageOptions& o, cedana::daemon::v1::ManageReq req) {
    req.set_jid(o.jid);
    req.set_upcoming(o.upcoming);
    req.set_gpu_enabled(o.gpu_enabled);
    const auto resp = globals.client().manage(req);
    write_pid_file(o.pid_file, resp.pid());
    std::cout << "Managing PID " << resp.pid() << " as job " << resp.jid() << std::endl;
}

void add_run_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<RunOptions>());
    auto* run = root.add_subcommand("run", "Start a managed job")->require_subcommand(1);
    add_run_shared_flags(*run, *o);

    // A plugin's subcommand may also add a top-level alias (run's parent): `exec`.
    add_plugin_commands(*run, globals, o);
}

void add_manage_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<ManageOptions>());
    auto* manage = root.add_subcommand("manage", "Adopt a running process or container as a managed job")->require_subcommand(1);
    manage->add_option("-j,--jid", o->jid, "job id (default: generated)");
    manage->add_option("--pid-file", o->pid_file, "write the PID to this file");
    manage->add_flag("--upcoming", o->upcoming, "wait for it to appear");
    manage->add_flag("-g,--gpu-enabled", o->gpu_enabled, "enable GPU checkpointing for the job");
    manage->add_flag("--gpu-tracing", o->gpu_tracing, "trace the job's GPU calls");

    add_plugin_commands(*manage, globals, o);
}

}  // namespace cedana::cli
