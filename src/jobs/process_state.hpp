#pragma once
// A job's live state, as `ps` shows it.

#include <string>

namespace cedana::jobs {

// "running", "sleep", "disk-sleep", "stopped", "tracing-stop", "zombie", "idle", or "halted"
// when there is no such process any more.
std::string process_state(int pid);

}  // namespace cedana::jobs
