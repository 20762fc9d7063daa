#pragma once
// The runc section of `check --full`: runc found and runnable, its version, runc's default
// state root writable, and how the network is locked during a dump (network_lock.hpp).

#include "config/config.hpp"
#include "health/checks.hpp"
#include "health/report.hpp"

namespace cedana::plugins::runc {

health::Section runc_checks(const config::Config& config, const health::CheckOptions& options);

}  // namespace cedana::plugins::runc
