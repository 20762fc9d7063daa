#include "cli/plugin_install.hpp"

#include <algorithm>
#include <string>

#include "registry/registry.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace {

// plugins.disabled as the file alone has it: the environment and --config are this call's,
// and must not be written into the file.
std::vector<std::string> disabled_in_file(const config::Sources& sources) {
    return config::load({.config_dir = config::config_dir(sources), .override_json = {}, .env = {}}).config.plugins.disabled;
}

void write_disabled(const config::Sources& sources, const std::vector<std::string>& before, const std::vector<std::string>& after) {
    if (after != before) config::set_file_field(sources, "plugins", "disabled", after);
}

// The file now says what was asked; the environment (CEDANA_PLUGINS_DISABLED) or --config
// may still say otherwise for every call that sets them, which the user must hear about.
void require_effective(const config::Sources& sources, const std::vector<const registry::PluginInfo*>& plugins, bool enabled) {
    const config::Config effective = config::load(sources).config;
    for (const registry::PluginInfo* plugin : plugins) {
        if (registry::enabled(effective, plugin->name) == enabled) continue;
        fail(ErrorKind::failed_precondition,
             "plugins.disabled from CEDANA_PLUGINS_DISABLED or --config keeps plugin {} {}, whatever {}/config.json says: "
             "change or unset it",
             plugin->name, enabled ? "disabled" : "enabled", config::config_dir(sources));
    }
}

}  // namespace

void install_plugins(const config::Sources& sources, const std::vector<const registry::PluginInfo*>& plugins, std::ostream& out) {
    const std::vector<std::string> before = disabled_in_file(sources);
    std::vector<std::string> after = before;
    for (const registry::PluginInfo* plugin : plugins) std::erase(after, plugin->name);
    write_disabled(sources, before, after);
    require_effective(sources, plugins, true);
    for (const registry::PluginInfo* plugin : plugins) {
        if (plugin->provision) {
            try {
                plugin->provision();
            } catch (const Error& e) {
                fail(e.kind(), "plugin {} is enabled, but provisioning it failed: {}", plugin->name, e.what());
            }
        }
        out << "Installed " << plugin->name << '\n' << std::flush;
    }
}

void remove_plugins(const config::Sources& sources, const std::vector<const registry::PluginInfo*>& plugins, std::ostream& out) {
    const config::Config effective = config::load(sources).config;
    for (const registry::PluginInfo* plugin : plugins) {
        if (!registry::enabled(effective, plugin->name)) {
            fail(ErrorKind::failed_precondition, "{} is not installed: nothing to remove", plugin->name);
        }
    }
    const std::vector<std::string> before = disabled_in_file(sources);
    std::vector<std::string> after = before;
    for (const registry::PluginInfo* plugin : plugins) {
        if (std::ranges::find(after, plugin->name) == after.end()) after.push_back(plugin->name);
    }
    write_disabled(sources, before, after);
    require_effective(sources, plugins, false);
    for (const registry::PluginInfo* plugin : plugins) out << "Removed " << plugin->name << '\n';
}

}  // namespace cedana::cli
