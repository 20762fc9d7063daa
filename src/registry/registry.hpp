#pragma once
// The one registry of plugins: which exist, which features each registered, and which the
// configuration has enabled.

#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "registry/feature.hpp"
#include "registry/plugin.hpp"

namespace cedana::registry {

// Called from plugins' static initializers; a second plugin of the same name is a
// programming error (std::logic_error at start).
void add(PluginInfo plugin);
// Called by the registration functions of the chains, commands and checks.
void note(const std::string& plugin, Feature feature);

// Every plugin compiled in, by name.
std::vector<const PluginInfo*> plugins();
const PluginInfo* find(const std::string& name);
bool implements(const std::string& plugin, Feature feature);

// Whether `config` has the plugin enabled (not in plugins.disabled).
bool enabled(const config::Config& config, const std::string& plugin);

// Throws cedana::Error(failed_precondition) "plugin runc is not installed: run 'cedana
// plugin install runc'" when the plugin is disabled.
void require_enabled(const config::Config& config, const std::string& plugin);

}  // namespace cedana::registry
