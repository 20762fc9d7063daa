#include "engine/criu_binary.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

namespace cedana::engine {

namespace {

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

std::string from_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (executable(candidate)) return candidate;
    }
    return "";
}

}  // namespace

std::string find_criu(const std::string& configured) {
    // A configured path is the user's choice even when it is wrong, so that the health
    // check names it instead of silently using another CRIU.
    if (!configured.empty()) return configured;
    const std::string provisioned = std::string(CEDANA_CRIU_PREFIX) + "/criu";
    if (executable(provisioned)) return provisioned;
    return from_path("criu");
}

}  // namespace cedana::engine
