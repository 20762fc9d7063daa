#pragma once
// Which CRIU binary the engine runs.

#include <string>

namespace cedana::engine {

// CRIU.BinaryPath when set; else the launcher scripts/provision-criu.sh installs; else
// `criu` from PATH if it is CRIU 4 or newer (Debian 12's criu 3.17, which `apt-get install
// runc` brings along, lacks what cedana asks of CRIU and is never used). Empty when nothing
// is configured and neither of the others is there.
std::string find_criu(const std::string& configured);

// Why find_criu passed over the `criu` in PATH ("/usr/sbin/criu is CRIU 3.17.1, older than
// 4.0"), for the health check; empty when it did not.
std::string passed_over_criu();

}  // namespace cedana::engine
