#include "plugins/runc/runc_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "plugins/runc/restored_state.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::runc {

namespace {

// logrus's text quoting: the value in double quotes, with " and \ escaped.
std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

}  // namespace

void append_runc_log(const std::string& path, const std::string& format, const std::string& level, const std::string& message) {
    std::string line;
    if (format.empty() || format == "text") {
        line = "time=" + quoted(rfc3339_now()) + " level=" + level + " msg=" + quoted(message) + "\n";
    } else if (format == "json") {
        line = nlohmann::json{{"level", level}, {"msg", message}, {"time", rfc3339_now()}}.dump() + "\n";
    } else {
        fail(ErrorKind::invalid_argument, "--log-format {}: runc's log formats are text and json", format);
    }
    util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!fd) fail(ErrorKind::invalid_argument, "--log {}: {}", path, std::strerror(errno));
    // One write with O_APPEND: an entry is never interleaved with another writer's.
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        fail(ErrorKind::internal, "--log {}: cannot write: {}", path, std::strerror(errno));
    }
}

}  // namespace cedana::plugins::runc
