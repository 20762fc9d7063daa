#pragma once
// Starting a managed job's program as a child of the daemon.

#include <string>
#include <sys/types.h>
#include <vector>

namespace cedana::jobs {

struct SpawnSpec {
    std::vector<std::string> args;  // args[0]: the program, found in env's PATH when it has no slash
    std::vector<std::string> env;
    std::string cwd;
    bool as_root = true;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    int stdout_fd = -1;
    int stderr_fd = -1;  // -1: with stdout
    int stdin_fd = -1;   // -1: /dev/null
    // A job of the daemon gets a session of its own; a --no-server child stays in the
    // caller's, so that the terminal's Ctrl+C reaches it too.
    bool new_session = true;
};

// Starts the program and returns its PID. Throws cedana::Error with
// a clear message when it cannot be started (not found, not executable, bad directory),
// having started nothing.
pid_t spawn_job(const SpawnSpec& spec);

}  // namespace cedana::jobs
