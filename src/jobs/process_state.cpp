#include "jobs/process_state.hpp"

#include <fstream>

#include <fmt/format.h>

namespace cedana::jobs {

std::string process_state(int pid) {
    std::ifstream in(fmt::format("/proc/{}/stat", pid));
    std::string text;
    if (pid <= 0 || !std::getline(in, text)) return "halted";
    const auto close = text.rfind(')');
    if (close == std::string::npos || close + 2 >= text.size()) return "halted";
    switch (text[close + 2]) {
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
