#pragma once
// PIDs on the command line: parsing them, and --pid-file.

#include <string>

namespace cedana::cli {

// Throws cedana::Error(invalid_argument) for anything but a positive number.
int parse_pid(const std::string& text);

// Writes `pid` to `path` (written aside and renamed); does nothing for an empty path.
void write_pid_file(const std::string& path, int pid);

}  // namespace cedana::cli
