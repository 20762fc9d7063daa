#pragma once
// Attaching the terminal to a job whose I/O the daemon holds: input goes to the job, its
// output comes here (what it wrote before first), and the command ends with the job's exit
// status. Ctrl+C detaches and leaves the job running.

#include <string>

#include "cli/globals.hpp"

namespace cedana::cli {

// The job by id, or (jid empty) by its process's PID. Never returns.
[[noreturn]] void attach_to_job(Globals& globals, const std::string& jid, int pid);

}  // namespace cedana::cli
