#pragma once
// What every adapter of a request can see besides the request and the response.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "daemon/io_hub.hpp"
#include "jobs/store.hpp"
#include "proc/tty_relay.hpp"
#include "util/byte_output.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::daemon {

struct RequestContext {
    // The daemon's configuration (Loaded::json), before the request's own overrides.
    nlohmann::json base_config;
    // The --config document the client sent for this request, if any.
    std::string config_override;
    // gRPC's name for the connection the request came on (ServerContext::peer()); empty
    // inside the CLI (--no-server). transport::peer_credentials() turns it into the caller's
    // identity, for the requests that need it.
    std::string peer;
    // Filled in by the request-config adapter: base_config with config_override merged.
    config::Config config;
    // Filled in by the resolve-criu adapter.
    std::string criu_binary;
    // Set when the request runs inside the CLI (--no-server): the CLI's own stdin, stdout
    // and stderr, which a restored process gets instead of its lost ones.
    std::vector<int> caller_stdio = {};
    // Takes ownership of a child of this process, restored or started as a job: the daemon
    // reaps it and records a job's exit status. Inside the CLI, the CLI waits for it itself.
    std::function<void(int pid)> adopt_child = {};
    // Records that a job's process which is not the daemon's child (a containerd task, which
    // its shim reaps) ended with this exit code; unset inside the CLI.
    std::function<void(int pid, int code)> job_ended = {};
    // The job database; null inside the CLI (--no-server), where there are no jobs.
    jobs::Store* store = nullptr;
    // Keeps a stand-in terminal's relay (proc/tty_relay.hpp) going after the request.
    std::function<void(std::unique_ptr<proc::TtyRelay>)> keep_relay = {};
    // Set inside the CLI (--no-server, not detached): takes what the workload's plugin does
    // once the restored workload the CLI waits for has exited (runc: delete the container, as
    // runc restore does).
    std::function<void(std::function<void()>)> after_exit = {};
    // The request's transfer to or from remote storage or another daemon, as far as it has
    // come: what Progress calls read while the request runs.
    std::shared_ptr<util::TransferProgress> transfer = std::make_shared<util::TransferProgress>();
    // Set by a migration: a streamed dump's shards also go, as they are written, to the
    // outputs this gives for their names (the target daemon), beside the local checkpoint.
    std::function<std::unique_ptr<util::ByteOutput>(const std::string& shard)> copy_shard = {};
    // Keeps an attachable job's I/O (io_hub.hpp) for Attach; unset inside the CLI.
    std::function<void(const std::string& jid, std::shared_ptr<IoHub>)> keep_hub = {};
    // Lets go of a deleted job's I/O; unset inside the CLI.
    std::function<void(const std::string& jid)> drop_hub = {};
};

}  // namespace cedana::daemon
