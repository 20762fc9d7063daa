#pragma once
// The workload command groups (dump, restore, run, manage) and what plugins add to them.
// The core defines each group, its shared flags (on the group, so they may stand before or
// after the subcommand) and how its request is sent; a plugin adds the subcommand of its
// workload type (`dump process PID`), which fills the request's target and sends it. A
// group adds every plugin's subcommand; registering notes the command in the features.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cedana/daemon/v1/daemon.pb.h"
#include "cli/criu_flags.hpp"
#include "cli/globals.hpp"
#include "cli/runc_flags.hpp"

namespace cedana::cli {

struct DumpOptions {
    std::string dir;
    std::string name;
    std::string compression;
    std::optional<int> streams;  // unset: Checkpoint.Streams
    CriuFlagValues criu;
    std::string root;
    std::string ns;
    std::string image;
    bool rootfs = false;
    bool rootfs_only = false;
    std::string target;
};

struct RestoreOptions {
    std::string path;
    bool attach = false;
    bool attachable = false;
    std::string out;
    std::string pid_file;
    bool no_server = false;
    CriuFlagValues criu;
    std::string gpu_id;
    std::string bundle;
    std::string id;
    RuncFlagValues runc;
    std::string netns_ipv4;
    std::string image;
    std::string ns;
    std::vector<std::string> env;
    std::string gpus;
    std::string target;
};

struct RunOptions {
    std::string jid;
    bool attach = false;
    bool attachable = false;
    std::string out;
    std::string pid_file;
    bool no_server = false;
    bool gpu_enabled = false;
    bool gpu_tracing = false;
    std::string gpu_id;
    bool as_root = false;
    std::vector<std::string> args;
    std::string bundle;
    RuncFlagValues runc;
    int preserve_fds = 0;
    std::string id;
    std::string ns;
    std::vector<std::string> env;
    std::string gpus;
    std::string snapshotter;
};

struct ManageOptions {
    std::string target;
    std::string jid;
    std::string pid_file;
    bool upcoming = false;
    bool gpu_enabled = false;
    bool gpu_tracing = false;
    std::string bundle;
    std::string root;
    std::string image;
    std::string ns;
};

struct FreezeOptions {
    bool unfreeze = false;  // set by the group: the same subcommands serve both
    std::string target;
    std::string root;
    std::string ns;
};

struct QueryOptions {
    std::vector<std::string> targets;
    bool tree = false;
    bool inspect = false;
    std::string root;
    std::string ns;
    std::string container_type;
};

// Send a request the subcommand filled with its target; the group's shared flags are added
// here. Each prints the result line scripts read (and the profile before it).
void send_dump(Globals& globals, const DumpOptions& o, cedana::daemon::v1::DumpReq req);
void send_restore(Globals& globals, const RestoreOptions& o, cedana::daemon::v1::RestoreReq req);
void send_run(Globals& globals, const RunOptions& o, cedana::daemon::v1::RunReq req);
void send_manage(Globals& globals, const ManageOptions& o, cedana::daemon::v1::ManageReq req);
void send_freeze(Globals& globals, const FreezeOptions& o, cedana::daemon::v1::FreezeReq req);
// Prints the daemon's table, then with --inspect the first target's details.
void send_query(Globals& globals, const QueryOptions& o, cedana::daemon::v1::QueryReq req);

// `restore runc` and `restore job`: the container flags as runc names them, and the details
// they put in the request (absolute paths: the daemon's working directory is not ours).
void add_runc_restore_flags(CLI::App& cmd, RestoreOptions& o);
void add_container_details(const RestoreOptions& o, cedana::daemon::v1::RestoreReq& req);

// The flags every `run` subcommand shares, for an alias that stands for one (`exec`).
void add_run_shared_flags(CLI::App& command, RunOptions& o);

// `restore --no-server`: the restore chain runs in this process and the restored process
// becomes its child; exits with its status.
[[noreturn]] void restore_here(Globals& globals, cedana::daemon::v1::RestoreReq& req, const RestoreOptions& o);

template <typename Options>
using WorkloadCommand = std::function<void(CLI::App& group, Globals& globals, const std::shared_ptr<Options>& options)>;

void add_dump_command(const std::string& plugin, WorkloadCommand<DumpOptions> add);
void add_restore_command(const std::string& plugin, WorkloadCommand<RestoreOptions> add);
void add_run_command(const std::string& plugin, WorkloadCommand<RunOptions> add);
void add_manage_command(const std::string& plugin, WorkloadCommand<ManageOptions> add);
// Called for both the freeze and the unfreeze group (FreezeOptions::unfreeze tells which).
void add_freeze_command(const std::string& plugin, WorkloadCommand<FreezeOptions> add);
void add_query_command(const std::string& plugin, WorkloadCommand<QueryOptions> add);

// For the groups: every plugin's subcommands, in plugin name order (instantiated for each
// group's options).
template <typename Options>
void add_plugin_commands(CLI::App& group, Globals& globals, const std::shared_ptr<Options>& options);

}  // namespace cedana::cli
