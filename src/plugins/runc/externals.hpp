#pragma once
// What of a container lies outside it, told to CRIU so that it is neither dumped nor lost:
// bind mounts and the host's cgroup hierarchies (external mounts), masked files (bound to
// /dev/null), and namespaces it shares with the host or another container, given by path
// in its configuration (net and pid external; ipc and uts joined again on restore).

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "criu/rpc.pb.h"
#include "engine/criu_rpc.hpp"
#include "plugins/runc/bundle.hpp"
#include "plugins/runc/cgroups.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::runc {

// Dump: from the container's libcontainer configuration (state.json's "config") and its
// init's PID. Throws cedana::Error(failed_precondition) for a namespace CRIU cannot treat
// as external (mount, user).
void add_dump_externals(const nlohmann::json& config, int pid, criu_opts& opts);

// Restore onto `bundle`: its binds re-bound from its config.json, the cgroup hierarchies
// bound to the container's own groups (`cgroups`, paths inside each hierarchy), shared
// namespaces opened (their fds kept in `keep`, handed to CRIU through `inherit`) or joined.
void add_restore_externals(const Bundle& bundle, const std::vector<CgroupLine>& cgroups, criu_opts& opts,
                           std::vector<engine::InheritFd>& inherit, std::vector<util::UniqueFd>& keep);

}  // namespace cedana::plugins::runc
