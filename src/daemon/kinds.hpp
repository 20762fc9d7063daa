#pragma once
// What a plugin adds to the daemon's chains for the requests of its workload type
// ("process", "runc", ...). Each route builds one chain per type from its own core steps
// and the type's steps and handler registered here, once, on the type's first request:
//
//   dump     request-config → plugin → resolve-job → validate → resolve-criu → [target]
//            → stage → pack → metadata → follow-memory → [handler: the CRIU dump]
//   restore  request-config → plugin → resolve-job → validate → resolve-criu
//            → open-checkpoint → verify → [prepare] → [handler: the CRIU restore]
//   run      request-config → plugin → validate → [middleware] → [handler: start it]
//   manage   request-config → plugin → validate → [middleware] → [handler: adopt it]
//   freeze, unfreeze  request-config → plugin → [steps] → [handler]
//   query    request-config → plugin → [steps] → [handler: describe the targets]
//
// "plugin" refuses a request whose plugin the configuration has disabled. Registering notes
// the features in the registry (registry/feature.hpp), from which `cedana features` is made.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cedana/daemon/v1/daemon.pb.h"
#include "config/config.hpp"
#include "jobs/store.hpp"
#include "daemon/dump_context.hpp"
#include "daemon/request_context.hpp"
#include "daemon/restore_context.hpp"
#include "pipeline/chain.hpp"

namespace cedana::daemon {

using RunChain = pipeline::Chain<RequestContext, cedana::daemon::v1::RunReq, cedana::daemon::v1::RunResp>;
using ManageChain = pipeline::Chain<RequestContext, cedana::daemon::v1::ManageReq, cedana::daemon::v1::ManageResp>;
using FreezeChain = pipeline::Chain<RequestContext, cedana::daemon::v1::FreezeReq, cedana::daemon::v1::FreezeResp>;
using QueryChain = pipeline::Chain<RequestContext, cedana::daemon::v1::QueryReq, cedana::daemon::v1::QueryResp>;

template <typename Chain>
struct Step {
    std::string name;
    std::string component;
    typename Chain::AdapterFn fn;
};

template <typename Chain>
struct Handler {
    std::string name;
    std::string component;
    typename Chain::HandlerFn fn;
};

// One workload type's part of a route's chain.
template <typename Chain>
struct Kind {
    std::string plugin;
    std::vector<Step<Chain>> steps;
    Handler<Chain> handler;
};

using DumpKind = Kind<DumpChain>;        // steps: the target (find it, claim it, settle it afterwards)
using RestoreKind = Kind<RestoreChain>;  // steps: what the restored tree is given (PIDs checked, stdio)
using RunKind = Kind<RunChain>;
using ManageKind = Kind<ManageChain>;
using FreezeKind = Kind<FreezeChain>;  // freeze and unfreeze each have one
using QueryKind = Kind<QueryChain>;

void add_dump_kind(const std::string& type, DumpKind kind);
void add_restore_kind(const std::string& type, RestoreKind kind);
void add_run_kind(const std::string& type, RunKind kind);
void add_manage_kind(const std::string& type, ManageKind kind);
void add_freeze_kind(const std::string& type, FreezeKind kind);
void add_unfreeze_kind(const std::string& type, FreezeKind kind);
void add_query_kind(const std::string& type, QueryKind kind);

// The kind registered for `type`; throws cedana::Error(unimplemented) saying that no plugin
// serves it, naming `what` ("dump").
const DumpKind& dump_kind(const std::string& type);
const RestoreKind& restore_kind(const std::string& type);
const RunKind& run_kind(const std::string& type);
const ManageKind& manage_kind(const std::string& type);
const FreezeKind& freeze_kind(const std::string& type);
const FreezeKind& unfreeze_kind(const std::string& type);
const QueryKind& query_kind(const std::string& type);

// What `ps` shows as a job's state when its type knows better than its process's state
// ("paused" for a frozen container); nullopt leaves it to the process.
using JobStateFn = std::function<std::optional<std::string>(const jobs::Job&)>;
void add_job_state(const std::string& type, JobStateFn fn);
std::optional<std::string> job_state(const jobs::Job& job);

}  // namespace cedana::daemon
