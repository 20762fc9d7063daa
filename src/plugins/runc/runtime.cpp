#include "plugins/runc/runtime.hpp"

#include <regex>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/subprocess.hpp"

namespace cedana::plugins::runc {

std::string find_runc() { return util::find_program("runc"); }

std::optional<std::string> runc_version(const std::string& binary) {
    try {
        const auto done = util::run_capture({binary, "--version"}, std::chrono::seconds(10));
        static const std::regex version(R"(runc version (\S+))");
        std::smatch m;
        if (done.status != 0 || !std::regex_search(done.out, m, version)) return std::nullopt;
        std::string v = m[1].str();
        // Debian's "1.1.5+ds1" is runc 1.1.5.
        if (const auto plus = v.find('+'); plus != std::string::npos) v.resize(plus);
        return v;
    } catch (const std::system_error&) {
        return std::nullopt;
    }
}

std::string require_runc() {
    std::string binary = find_runc();
    if (binary.empty()) fail(ErrorKind::failed_precondition, "runc not found in PATH: install it (apt-get install runc)");
    return binary;
}

std::string runc_error(const std::string& output) {
    // --log-format json: one object a line, its message already unquoted.
    std::string last_json;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with("{")) continue;
        const auto entry = nlohmann::json::parse(line, nullptr, false);
        if (!entry.is_object() || !entry.contains("msg") || !entry["msg"].is_string()) continue;
        const std::string level = entry.value("level", "");
        if (level == "error" || level == "fatal") last_json = entry["msg"].get<std::string>();
    }
    if (!last_json.empty()) return last_json;
    static const std::regex message(R"rx(level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)")rx");
    std::string last;
    for (std::sregex_iterator it(output.begin(), output.end(), message), end; it != end; ++it) last = (*it)[1].str();
    if (last.empty()) {
        last = output;
        while (!last.empty() && (last.back() == '\n' || last.back() == ' ')) last.pop_back();
    }
    // runc quotes nested messages; one level of escaping is enough to read them.
    std::string plain;
    for (std::size_t i = 0; i < last.size(); ++i) {
        if (last[i] == '\\' && i + 1 < last.size()) ++i;
        plain += last[i];
    }
    return plain;
}

std::string run_runc(const std::string& root, const std::vector<std::string>& args) {
    std::vector<std::string> argv{require_runc(), "--root", root};
    argv.insert(argv.end(), args.begin(), args.end());
    util::Completed done;
    try {
        done = util::run_capture(argv);
    } catch (const std::system_error& e) {
        fail(ErrorKind::failed_precondition, "cannot run runc: {}", e.what());
    }
    if (done.status != 0) {
        std::string command;
        for (const auto& a : args) command += " " + a;
        fail(ErrorKind::failed_precondition, "runc{} failed: {}", command, runc_error(done.err.empty() ? done.out : done.err));
    }
    return done.out;
}

}  // namespace cedana::plugins::runc
