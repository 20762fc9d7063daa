// Whether the CRIU binary cedana will drive is there, recent enough, and content with
// this kernel.

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "engine/criu_binary.hpp"
#include "health/sections.hpp"
#include "util/subprocess.hpp"

namespace cedana::health {
namespace {

using namespace std::chrono_literals;

constexpr const char* kProvisionHint =
    "run scripts/provision-criu.sh, or set CRIU.BinaryPath / CEDANA_CRIU_BINARY_PATH";
constexpr int kMinimumMajor = 4;

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r");
    return text.substr(first, last - first + 1);
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

// CRIU log lines read "Error (criu/cr-check.c:1866): message" or "Warn  (file:line): message";
// the location is for CRIU's developers, the message is what a user can act on.
std::optional<std::string_view> log_message(std::string_view line, std::string_view level) {
    if (!line.starts_with(level)) return std::nullopt;
    const auto location_end = line.find("): ");
    return trim(location_end == std::string_view::npos ? line.substr(level.size()) : line.substr(location_end + 3));
}

// The line that best says why a criu command failed: its last error, else its last line
// that is not a warning, else the exit status.
std::string failure_line(const util::Completed& run) {
    std::optional<std::string_view> last_error;
    std::optional<std::string_view> last_other;
    for (const auto* stream : {&run.out, &run.err}) {
        for (const auto line : lines_of(*stream)) {
            if (const auto message = log_message(line, "Error")) {
                last_error = message;
            } else if (!trim(line).empty() && !line.starts_with("Warn")) {
                last_other = trim(line);
            }
        }
    }
    if (last_error) return std::string(*last_error);
    if (last_other) return std::string(*last_other);
    return fmt::format("exit status {}", run.status);
}

std::optional<std::string> binary_problem(const std::string& path) {
    if (path.empty()) return "not found";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return fmt::format("{} ({})", path, std::generic_category().message(errno));
    }
    if (!S_ISREG(st.st_mode)) return fmt::format("{} (not a file)", path);
    if (::access(path.c_str(), X_OK) != 0) return fmt::format("{} (not executable)", path);
    return std::nullopt;
}

// "Version: 4.1.1" (followed by a "GitID:" line on builds from git).
std::optional<std::string> version_of(const util::Completed& run) {
    for (const auto line : lines_of(run.out)) {
        if (line.starts_with("Version:")) return std::string(trim(line.substr(8)));
    }
    return std::nullopt;
}

std::optional<int> major_of(std::string_view version) {
    int major = 0;
    const auto [end, ec] = std::from_chars(version.data(), version.data() + version.size(), major);
    if (ec != std::errc{} || end == version.data()) return std::nullopt;
    return major;
}

Result version_row(const std::string& criu) {
    const auto run = util::run_capture({criu, "--version"}, 10s);
    const auto version = version_of(run);
    if (run.status != 0 || !version) {
        return error("Version", failure_line(run), "`criu --version` printed no version; " + std::string(kProvisionHint));
    }
    const auto major = major_of(*version);
    if (!major || *major < kMinimumMajor) {
        return error("Version", *version, "cedana needs CRIU 4 or newer: run scripts/provision-criu.sh");
    }
    return ok("Version", *version);
}

Result check_row(const std::string& criu) {
    // Verdict by exit status: `criu check` also prints "Warn" lines for things it copes with.
    const auto run = util::run_capture({criu, "check"}, 60s);
    if (run.status != 0) return error("Check", failure_line(run), "see `criu check` output");
    return ok("Check", "Looks good");
}

// A message's first sentence: "Dirty tracking is OFF. Memory snapshot will not work."
// names the feature in its first sentence and explains it in the rest.
std::string_view first_sentence(std::string_view message) {
    const auto stop = message.find(". ");
    if (stop != std::string_view::npos) return message.substr(0, stop);
    return message.ends_with('.') ? message.substr(0, message.size() - 1) : message;
}

Result extra_features_row(const std::string& criu) {
    // Only some dumps need these extras, so missing ones are warnings, not errors.
    const auto run = util::run_capture({criu, "check", "--all"}, 60s);
    if (run.status == 0) return ok("Extra features", "all present");

    std::vector<std::string_view> missing;
    for (const auto* stream : {&run.err, &run.out}) {
        for (const auto line : lines_of(*stream)) {
            auto message = log_message(line, "Warn");
            if (!message) message = log_message(line, "Error");
            if (message) missing.push_back(first_sentence(*message));
        }
    }
    const std::string value = missing.empty()
                                  ? failure_line(run)
                                  : fmt::format("{} missing: {}", missing.size(), fmt::join(missing, "; "));
    return warning("Extra features", value, "see `criu check --all` output");
}

// Wraps a row that runs criu: failing to start it at all is that row's error.
template <typename Check>
Result guarded(const char* name, Check check) {
    try {
        return check();
    } catch (const std::system_error& e) {
        return error(name, e.what(), kProvisionHint);
    }
}

}  // namespace

Section criu_section(const CheckOptions& options) {
    Section section{"CRIU", {}};
    const auto& criu = options.criu_binary;
    if (const auto problem = binary_problem(criu)) {
        const std::string passed_over = criu.empty() ? engine::passed_over_criu() : std::string();
        section.results.push_back(
            error("Binary", passed_over.empty() ? *problem : fmt::format("not found ({}, not used)", passed_over), kProvisionHint));
        return section;
    }
    section.results.push_back(ok("Binary", criu));
    section.results.push_back(guarded("Version", [&] { return version_row(criu); }));
    section.results.push_back(guarded("Check", [&] { return check_row(criu); }));
    if (options.full) section.results.push_back(guarded("Extra features", [&] { return extra_features_row(criu); }));
    return section;
}

}  // namespace cedana::health
