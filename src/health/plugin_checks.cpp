#include "health/plugin_checks.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "health/sections.hpp"
#include "registry/registry.hpp"
#include "registry/status.hpp"

namespace cedana::health {

namespace {

// Function-local, as the registry's table: plugins register from static initializers.
struct Checks {
    std::mutex mutex;
    std::map<std::string, PluginCheck> by_plugin;
};

Checks& checks() {
    static Checks c;
    return c;
}

Result status_row(const registry::PluginStatus& plugin) {
    const std::string status(registry::status_name(plugin.status));
    switch (plugin.status) {
        case registry::Status::installed: return ok(plugin.name, status);
        case registry::Status::available:
            return Result{plugin.name, status, Severity::ok, fmt::format("install it with 'cedana plugin install {}'", plugin.name)};
        case registry::Status::missing_dependency:
            return warning(plugin.name, status,
                           fmt::format("{}; provide it, or run 'cedana plugin remove {}'", fmt::join(plugin.missing, ", "), plugin.name));
    }
    return ok(plugin.name, status);
}

}  // namespace

void add_plugin_checks(const std::string& plugin, PluginCheck check) {
    auto& c = checks();
    {
        const std::lock_guard lock(c.mutex);
        if (!c.by_plugin.emplace(plugin, std::move(check)).second) {
            throw std::logic_error("plugin " + plugin + " added its checks twice");
        }
    }
    registry::note(plugin, registry::Feature::health_checks);
}

Section plugins_section(const config::Config& config) {
    Section section{"Plugins", {}};
    for (const auto& plugin : registry::statuses(config)) section.results.push_back(status_row(plugin));
    return section;
}

std::vector<Section> plugin_sections(const config::Config& config, const CheckOptions& options) {
    std::map<std::string, PluginCheck> registered;
    {
        auto& c = checks();
        const std::lock_guard lock(c.mutex);
        registered = c.by_plugin;
    }
    std::vector<Section> out;
    for (const auto& [plugin, check] : registered) {
        if (registry::find(plugin) == nullptr || !registry::enabled(config, plugin)) continue;
        Section section = check(config, options);
        section.name = plugin;
        out.push_back(std::move(section));
    }
    return out;
}

}  // namespace cedana::health
