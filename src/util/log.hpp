#pragma once
// Log set-up shared by the CLI and the daemon: everything goes to stderr.

#include <string>

namespace cedana::util {

void init_logging();
// Takes a Log.Level name (trace, debug, info, warn, error, off).
void set_log_level(const std::string& level);

}  // namespace cedana::util
