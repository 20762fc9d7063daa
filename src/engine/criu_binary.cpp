#include "engine/criu_binary.hpp"

#include <unistd.h>

#include <charconv>

#include <fmt/format.h>

#include "engine/criu_version.hpp"
#include "util/error.hpp"
#include "util/subprocess.hpp"

namespace cedana::engine {

namespace {

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

constexpr int kMinimumMajor = 4;

// The reason a PATH criu is not used, or empty; asked once per binary (criu_version caches).
std::string too_old(const std::string& path) {
    try {
        const std::string version = criu_version(path);
        int major = 0;
        std::from_chars(version.data(), version.data() + version.size(), major);
        if (major >= kMinimumMajor) return {};
        return fmt::format("{} is CRIU {}, older than {}.0", path, version, kMinimumMajor);
    } catch (const Error& e) {
        return fmt::format("{} does not answer as CRIU: {}", path, e.what());
    }
}

}  // namespace

std::string passed_over_criu() {
    const std::string in_path = util::find_program("criu");
    return in_path.empty() ? std::string() : too_old(in_path);
}

std::string find_criu(const std::string& configured) {
    // A configured path is the user's choice even when it is wrong, so that the health
    // check names it instead of silently using another CRIU.
    if (!configured.empty()) return configured;
    const std::string provisioned = std::string(CEDANA_CRIU_PREFIX) + "/criu";
    if (executable(provisioned)) return provisioned;
    const std::string in_path = util::find_program("criu");
    if (in_path.empty() || !too_old(in_path).empty()) return {};
    return in_path;
}

}  // namespace cedana::engine
