#pragma once
// The version of a CRIU binary, asked once over RPC and remembered.

#include <string>

namespace cedana::engine {

// "4.1.1"; throws cedana::Error when CRIU cannot be run.
std::string criu_version(const std::string& binary);

}  // namespace cedana::engine
