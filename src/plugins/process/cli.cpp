// The process plugin's subcommands: `dump process PID`, `restore process --path P`,
// `run process PROGRAM [ARGS]` (and its top-level alias `exec`), `manage process PID`,
// `freeze`/`unfreeze process PID`, `query process PID...`.

#include "plugins/process/cli.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "api/profile_convert.hpp"
#include "cli/pid_file.hpp"
#include "cli/profile_table.hpp"
#include "cli/workload_commands.hpp"
#include "jobs/spawn.hpp"
#include "pipeline/chain.hpp"
#include "proc/process_info.hpp"
#include "registry/registry.hpp"
#include "util/error.hpp"

extern char** environ;

namespace cedana::plugins::process {

namespace v1 = cedana::daemon::v1;

namespace {

std::vector<std::string> environment() {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
    return env;
}

struct Started {
    pid_t pid = -1;
};

// --no-server: the program is our child, with our stdio and session; its status is ours.
// Its start runs as a chain like the daemon's, so that it is profiled the same way; the
// table goes to stderr once the program is started, stdout being the program's.
[[noreturn]] void run_here(cli::Globals& globals, const cli::RunOptions& o) {
    using Chain = pipeline::Chain<jobs::SpawnSpec, const cli::RunOptions, Started>;
    Chain chain;
    chain.use("prepare", "jobs",
              [](jobs::SpawnSpec& spec, const cli::RunOptions& opts, Started& started, const Chain::Next& next) {
                  spec.args = opts.args;
                  spec.env = environment();
                  spec.cwd = std::filesystem::current_path().string();
                  spec.stdin_fd = STDIN_FILENO;
                  spec.stdout_fd = STDOUT_FILENO;
                  spec.stderr_fd = STDERR_FILENO;
                  spec.new_session = false;
                  next(spec, opts, started);
              })
        .handle("spawn", "process", [](jobs::SpawnSpec& spec, const cli::RunOptions&, Started& started) { started.pid = jobs::spawn_job(spec); });
    const config::Config config = globals.load_config().config;
    registry::require_enabled(config, "process");
    const bool profiling = globals.want_profile(config);
    pipeline::Profile profile;
    jobs::SpawnSpec spec;
    Started started;
    chain.run(spec, o, started, profiling ? &profile : nullptr);
    const pid_t pid = started.pid;
    cli::write_pid_file(o.pid_file, pid);
    if (profiling) std::cerr << cli::format_profile(api::to_proto(profile)) << std::flush;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) fail(ErrorKind::internal, "cannot wait for PID {}: {}", pid, std::strerror(errno));
    }
    std::exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

void run_process(cli::Globals& globals, const cli::RunOptions& o) {
    if (o.no_server && (o.attach || o.attachable)) {
        fail(ErrorKind::invalid_argument, "--no-server already runs the program attached here; drop --attach/--attachable");
    }
    if (o.no_server) run_here(globals, o);
    v1::RunReq req;
    req.set_type("process");
    for (const auto& a : o.args) req.add_args(a);
    req.set_as_root(o.as_root);
    cli::send_run(globals, o, std::move(req));
}

void add_run_process(CLI::App& command, cli::Globals& globals, const std::shared_ptr<cli::RunOptions>& o) {
    command.add_option("args", o->args, "the program and its arguments")->required();
    command.add_flag("--as-root", o->as_root, "run as root instead of as the calling user");
    command.callback([&globals, o] { run_process(globals, *o); });
}

}  // namespace

void add_commands() {
    cli::add_dump_command("process", [](CLI::App& dump, cli::Globals& globals, const std::shared_ptr<cli::DumpOptions>& o) {
        auto* process = dump.add_subcommand("process", "Checkpoint a process tree by its PID");
        process->add_option("PID", o->target, "the process to checkpoint")->required();
        process->callback([&globals, o] {
            v1::DumpReq req;
            req.set_type("process");
            req.set_pid(proc::parse_pid(o->target));
            cli::send_dump(globals, *o, std::move(req));
        });
    });
    cli::add_restore_command("process", [](CLI::App& restore, cli::Globals& globals, const std::shared_ptr<cli::RestoreOptions>& o) {
        auto* process = restore.add_subcommand("process", "Restore a process tree, keeping its PIDs");
        process->add_option("-p,--path", o->path, "checkpoint directory or archive")->required();
        process->callback([&globals, o] {
            v1::RestoreReq req;
            req.set_type("process");
            cli::send_restore(globals, *o, std::move(req));
        });
    });
    cli::add_run_command("process", [](CLI::App& run, cli::Globals& globals, const std::shared_ptr<cli::RunOptions>& o) {
        add_run_process(*run.add_subcommand("process", "Run a program as a managed job"), globals, o);
        // `cedana exec`, as Cedana's CLI has it: its own flags, the same command.
        if (CLI::App* root = run.get_parent(); root != nullptr) {
            auto exec_options = globals.keep(std::make_shared<cli::RunOptions>());
            auto* exec = root->add_subcommand("exec", "Run a program as a managed job (alias of run process)");
            cli::add_run_shared_flags(*exec, *exec_options);
            add_run_process(*exec, globals, exec_options);
        }
    });
    cli::add_freeze_command("process", [](CLI::App& group, cli::Globals& globals, const std::shared_ptr<cli::FreezeOptions>& o) {
        auto* process = group.add_subcommand("process", group.get_description() + ": a process tree by its root's PID");
        process->add_option("PID", o->target, "the tree's root")->required();
        process->callback([&globals, o] {
            v1::FreezeReq req;
            req.set_type("process");
            req.set_pid(proc::parse_pid(o->target));
            cli::send_freeze(globals, *o, std::move(req));
        });
    });
    cli::add_query_command("process", [](CLI::App& query, cli::Globals& globals, const std::shared_ptr<cli::QueryOptions>& o) {
        auto* process = query.add_subcommand("process", "Describe processes by PID");
        process->add_option("PID", o->targets, "the processes")->required();
        process->callback([&globals, o] {
            v1::QueryReq req;
            req.set_type("process");
            cli::send_query(globals, *o, std::move(req));
        });
    });
    cli::add_manage_command("process", [](CLI::App& manage, cli::Globals& globals, const std::shared_ptr<cli::ManageOptions>& o) {
        auto* process = manage.add_subcommand("process", "Adopt a running process by its PID");
        process->add_option("PID", o->target, "the process")->required();
        process->callback([&globals, o] {
            v1::ManageReq req;
            req.set_type("process");
            req.set_pid(proc::parse_pid(o->target));
            cli::send_manage(globals, *o, std::move(req));
        });
    });
}

}  // namespace cedana::plugins::process
