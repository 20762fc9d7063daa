#pragma once
// The health checks cedana runs before it trusts the machine with a checkpoint.

#include <string>

#include "health/report.hpp"

namespace cedana::health {

struct CheckOptions {
    // The CRIU binary to check; empty when none was found (reported as an error).
    std::string criu_binary;
    // Adds `criu check --all` extras (as warnings) and the plugins' own checks.
    bool full = false;
};

// Runs every built-in check: CRIU, kernel features, system (root, pipe limits).
Report run_checks(const CheckOptions& options);

}  // namespace cedana::health
