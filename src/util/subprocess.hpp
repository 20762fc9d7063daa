#pragma once
// Running a helper program to completion and capturing what it printed.

#include <chrono>
#include <string>
#include <vector>

namespace cedana::util {

struct Completed {
    // Exit status when it exited, or 128 + signal number when a signal ended it.
    int status = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs argv[0] (looked up in PATH when it has no slash) with argv, stdin on /dev/null,
// and waits for it. Throws std::system_error when it cannot be started at all. A program
// still running after `timeout` is killed (SIGKILL) and reported with status 128 + 9.
// The path of an executable `name` in PATH (or /usr/sbin:/usr/bin:/sbin:/bin without one);
// empty when there is none.
std::string find_program(const std::string& name);

Completed run_capture(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace cedana::util
