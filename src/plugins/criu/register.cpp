// The criu plugin: CRIU 4, which every checkpoint and restore runs. The core finds and
// checks CRIU itself (engine/criu_binary, the CRIU health section); what the plugin adds
// is saying whether CRIU 4 is here, and provisioning it on `plugin install criu`.

#include <charconv>
#include <exception>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "engine/criu_binary.hpp"
#include "engine/criu_version.hpp"
#include "plugins/criu/provision.hpp"
#include "registry/registry.hpp"

namespace cedana::plugins::criu {

namespace {

constexpr int kMinimumMajor = 4;

// "CRIU 4.1.1 at /opt/cedana/criu/criu", the CRIU cedana would run unless configured otherwise.
std::optional<std::string> find_criu4() {
    const std::string binary = engine::find_criu("");
    if (binary.empty()) return std::nullopt;
    try {
        const std::string version = engine::criu_version(binary);
        int major = 0;
        std::from_chars(version.data(), version.data() + version.size(), major);
        if (major < kMinimumMajor) return std::nullopt;
        return fmt::format("CRIU {} at {}", version, binary);
    } catch (const std::exception&) {
        // A binary that does not answer as CRIU is as good as none.
        return std::nullopt;
    }
}

}  // namespace

CEDANA_PLUGIN(criu) {
    registry::add({.name = "criu",
                   .requirements = {{.name = "CRIU 4", .find = find_criu4}},
                   .provision = provision});
}

}  // namespace cedana::plugins::criu
