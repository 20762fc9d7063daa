#pragma once
// `cedana daemon start`: serves the API until SIGTERM or SIGINT.

#include "config/config.hpp"

namespace cedana::daemon {

// Blocks until a stop signal; returns once in-flight requests are finished or cancelled and
// the socket is removed. Throws cedana::Error when the daemon cannot start.
void serve_until_signalled(const config::Loaded& config);

}  // namespace cedana::daemon
