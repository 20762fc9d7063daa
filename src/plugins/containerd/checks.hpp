#pragma once
// The containerd section of `check --full`: containerd reachable at its address, its
// version, the runc shim it runs containers with, and the default namespace.

#include "health/plugin_checks.hpp"

namespace cedana::plugins::containerd {

health::Section containerd_checks(const config::Config& config, const health::CheckOptions& options);

}  // namespace cedana::plugins::containerd
