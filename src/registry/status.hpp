#pragma once
// Where a plugin stands on this machine under a configuration, as `plugin list`, `features`
// and `check --full` show it: worked out from the registry and the plugin's requirements
// each time it is asked, never stored.

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "registry/feature.hpp"
#include "registry/plugin.hpp"

namespace cedana::registry {

enum class Status {
    installed,           // enabled, and every requirement found
    missing_dependency,  // enabled, but a requirement is missing
    available,           // compiled in, disabled by plugins.disabled
};

// "installed", "missing dependency", "available"
std::string_view status_name(Status status);

struct PluginStatus {
    std::string name;
    Status status = Status::available;
    // One per requirement: what was found ("CRIU 4.1.1 at /opt/cedana/criu/criu") or
    // "<requirement>: not found"; looked for whether or not the plugin is enabled, so that
    // `plugin list` says what installing it would need.
    std::vector<std::string> needs;
    std::vector<std::string> missing;  // the "<requirement>: not found" among them
    std::vector<Feature> features;     // what its registrations noted, in kAllFeatures order
};

PluginStatus status_of(const PluginInfo& plugin, const config::Config& config);

// Every plugin compiled in, by name.
std::vector<PluginStatus> statuses(const config::Config& config);

}  // namespace cedana::registry
