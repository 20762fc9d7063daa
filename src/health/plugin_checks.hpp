#pragma once
// The checks plugins add to `check --full`: a section of their own per plugin, after the
// "Plugins" section that says where each plugin stands.

#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "health/checks.hpp"
#include "health/report.hpp"

namespace cedana::health {

using PluginCheck = std::function<Section(const config::Config&, const CheckOptions&)>;

// Called from a plugin's registration (CEDANA_PLUGIN); notes Feature::health_checks for
// it. A second registration for the same plugin is a programming error (std::logic_error).
void add_plugin_checks(const std::string& plugin, PluginCheck check);

// A row per plugin compiled in, by name: its status as `plugin list` shows it. A missing
// dependency is a warning, not an error: the plugin's commands fail, the rest works.
Section plugins_section(const config::Config& config);

// The sections of the enabled plugins that registered checks, by plugin name, each named
// after its plugin.
std::vector<Section> plugin_sections(const config::Config& config, const CheckOptions& options);

}  // namespace cedana::health
