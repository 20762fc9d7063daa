#include "jobs/process_state.hpp"

#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "proc/process_info.hpp"

namespace cedana::jobs {

namespace {

// The fields of /proc/<pid>/stat after the command name; empty when there is no process.
std::string stat_fields(int pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string text;
    if (pid <= 0 || !std::getline(in, text)) return "";
    const auto close = text.rfind(')');
    return close == std::string::npos || close + 2 >= text.size() ? "" : text.substr(close + 2);
}

}  // namespace

std::uint64_t start_ticks(int pid) {
    std::istringstream fields(stat_fields(pid));
    // starttime is field 22; the fields here begin at field 3 (state).
    std::string skip;
    for (int field = 3; field < 22 && fields >> skip; ++field) {
    }
    std::uint64_t ticks = 0;
    fields >> ticks;
    return ticks;
}

std::uint64_t ticks_since_boot() {
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    const auto hz = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
    return static_cast<std::uint64_t>(now.tv_sec) * hz + static_cast<std::uint64_t>(now.tv_nsec) * hz / 1'000'000'000u;
}

std::string process_state(int pid, std::uint64_t expected_start) {
    const std::string fields = stat_fields(pid);
    if (fields.empty()) return "halted";
    if (expected_start != 0 && start_ticks(pid) != expected_start) return "halted";
    // A killed process (a dumped job) stays in the table while the kernel frees its memory.
    if (proc::is_exiting(pid)) return fields[0] == 'Z' ? "zombie" : "halted";
    switch (fields[0]) {
        case 'R': return "running";
        case 'S': return "sleep";
        case 'D': return "disk-sleep";
        case 'T': return "stopped";
        case 't': return "tracing-stop";
        case 'Z': return "zombie";
        case 'X': return "halted";
        case 'I': return "idle";
        default: return "unknown";
    }
}

}  // namespace cedana::jobs
