#include "engine/criu_log.hpp"

#include <deque>
#include <fstream>

namespace cedana::engine {

std::string log_errors(const std::filesystem::path& log, std::size_t count) {
    std::ifstream in(log);
    std::deque<std::string> errors;
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
        if (line.find("Error") != std::string::npos) {
            errors.push_back(line);
            if (errors.size() > count) errors.pop_front();
        }
        last.push_back(line);
        if (last.size() > count) last.pop_front();
    }
    std::string out;
    for (const auto& line : errors.empty() ? last : errors) out += "\n    " + line;
    return out;
}

}  // namespace cedana::engine
