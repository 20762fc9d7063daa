#pragma once
// --pid-file.

#include <string>

namespace cedana::cli {

// Writes `pid` to `path` (written aside and renamed); does nothing for an empty path.
void write_pid_file(const std::string& path, int pid);

}  // namespace cedana::cli
