#include "registry/status.hpp"

#include "registry/registry.hpp"

namespace cedana::registry {

std::string_view status_name(Status status) {
    switch (status) {
        case Status::installed: return "installed";
        case Status::missing_dependency: return "missing dependency";
        case Status::available: return "available";
    }
    return "?";
}

PluginStatus status_of(const PluginInfo& plugin, const config::Config& config) {
    PluginStatus out;
    out.name = plugin.name;
    for (const auto& requirement : plugin.requirements) {
        if (auto found = requirement.find()) {
            out.needs.push_back(std::move(*found));
        } else {
            out.needs.push_back(requirement.name + ": not found");
            out.missing.push_back(out.needs.back());
        }
    }
    for (const Feature feature : kAllFeatures) {
        if (implements(plugin.name, feature)) out.features.push_back(feature);
    }
    if (!enabled(config, plugin.name)) {
        out.status = Status::available;
    } else {
        out.status = out.missing.empty() ? Status::installed : Status::missing_dependency;
    }
    return out;
}

std::vector<PluginStatus> statuses(const config::Config& config) {
    std::vector<PluginStatus> out;
    for (const PluginInfo* plugin : plugins()) out.push_back(status_of(*plugin, config));
    return out;
}

}  // namespace cedana::registry
