#pragma once
// Each top-level command group adds itself to the command tree.

#include <string>

#include <CLI/CLI.hpp>

#include "cli/globals.hpp"

namespace cedana::cli {

void add_daemon_commands(CLI::App& root, Globals& globals);
void add_check_command(CLI::App& root, Globals& globals);
void add_run_commands(CLI::App& root, Globals& globals);
void add_manage_commands(CLI::App& root, Globals& globals);
void add_dump_commands(CLI::App& root, Globals& globals);
void add_restore_commands(CLI::App& root, Globals& globals);
void add_freeze_commands(CLI::App& root, Globals& globals);
void add_query_commands(CLI::App& root, Globals& globals);
void add_job_commands(CLI::App& root, Globals& globals);
void add_migrate_commands(CLI::App& root, Globals& globals);
void add_plugin_commands(CLI::App& root, Globals& globals);
void add_k8s_commands(CLI::App& root, Globals& globals);
void add_dump_vm_command(CLI::App& root, Globals& globals);
void add_completion_command(CLI::App& root, Globals& globals);
void add_version_command(CLI::App& root, Globals& globals);

// `cedana daemon check`: the checks of add_check_command, run by the daemon.
void run_daemon_check(Globals& globals, bool full);

// Makes `command` fail with a message saying that `capability` is not in this build yet,
// instead of silently doing nothing.
void not_available_yet(CLI::App& command, const std::string& capability);

}  // namespace cedana::cli
