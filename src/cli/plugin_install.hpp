#pragma once
// `plugin install` and `plugin remove`. Plugins are compiled in, so these change the
// configuration file (plugins.disabled) rather than the binary; a running daemon reads
// the file when it starts, so it sees the change once restarted.

#include <ostream>
#include <vector>

#include "config/config.hpp"
#include "registry/plugin.hpp"

namespace cedana::cli {

// Enables every plugin in the configuration file `sources` names, then provisions each
// that has something to provision, printing "Installed <name>" as each is done. Throws
// cedana::Error when provisioning fails (the plugin stays enabled: `plugin list` shows
// what it misses) or when the environment or --config keeps the plugin disabled anyway.
void install_plugins(const config::Sources& sources, const std::vector<const registry::PluginInfo*>& plugins, std::ostream& out);

// Disables every plugin, printing "Removed <name>" for each. Throws cedana::Error, before
// anything is changed, when one of them is not installed.
void remove_plugins(const config::Sources& sources, const std::vector<const registry::PluginInfo*>& plugins, std::ostream& out);

}  // namespace cedana::cli
