#pragma once
// What CRIU's own log says went wrong, for quoting in the user's error.

#include <filesystem>
#include <string>

namespace cedana::engine {

// The last `count` error lines of a CRIU log (its last lines when none is marked as an
// error), each on its own line and indented; empty when the log cannot be read.
std::string log_errors(const std::filesystem::path& log, std::size_t count = 5);

}  // namespace cedana::engine
