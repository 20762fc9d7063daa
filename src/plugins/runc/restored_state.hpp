#pragma once
// runc's state for a restored container, so that runc list, ps, exec, kill and delete know
// it: the state runc had at the dump, with what the restore changed (id, init PID and start
// time, creation time, bundle and rootfs, cgroup directories, namespace paths, stdio).

#include <string>

#include <nlohmann/json.hpp>

#include "plugins/runc/bundle.hpp"

namespace cedana::plugins::runc {

// `rename_cgroups`: the container's groups are those of its new id (see cgroups.hpp retarget).
nlohmann::json restored_state(nlohmann::json dumped, const std::string& id, const Bundle& bundle, int pid, bool rename_cgroups = true);

// runc's "created": RFC 3339 with nanoseconds, UTC.
std::string rfc3339_now();

}  // namespace cedana::plugins::runc
