#pragma once
// A job's live state, as `ps` shows it.

#include <cstdint>
#include <string>

namespace cedana::jobs {

// "running", "sleep", "disk-sleep", "stopped", "tracing-stop", "zombie", "idle", or "halted"
// when there is no such process any more, or (start_ticks given) the PID now belongs to a
// process started at another time.
std::string process_state(int pid, std::uint64_t start_ticks = 0);

// The process's start time in clock ticks after boot; 0 when there is no such process.
std::uint64_t start_ticks(int pid);

// Now, on the clock of start_ticks: a process started from now on has start_ticks ≥ this.
std::uint64_t ticks_since_boot();

}  // namespace cedana::jobs
