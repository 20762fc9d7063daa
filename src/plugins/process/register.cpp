// The process plugin: bare process trees, checkpointed and restored by PID, run and
// managed as jobs. Every other kind of workload builds on what it registers.

#include "registry/registry.hpp"

namespace cedana::plugins::process {

CEDANA_PLUGIN(process) {
    registry::add({.name = "process", .summary = "process trees by PID: dump, restore, run, manage", .requirements = {}, .provision = {}});
}

}  // namespace cedana::plugins::process
