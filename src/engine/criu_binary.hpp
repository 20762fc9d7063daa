#pragma once
// Which CRIU binary the engine runs.

#include <string>

namespace cedana::engine {

// CRIU.BinaryPath when set; else the launcher scripts/provision-criu.sh installs; else
// `criu` from PATH. Empty when nothing is configured and neither of the others exists.
std::string find_criu(const std::string& configured);

}  // namespace cedana::engine
