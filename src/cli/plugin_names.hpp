#pragma once
// The plugins a command's arguments name: `runc`, or `runc@0.1.0` where a version may be
// given.

#include <string>
#include <string_view>
#include <vector>

#include "registry/plugin.hpp"

namespace cedana::cli {

enum class Versions { refused, accepted };

// Every plugin when `args` is empty; else those named, by name, each once. Throws
// cedana::Error(invalid_argument) for a name no plugin has ("unknown plugin "foo": known
// plugins are criu, process") and, with Versions::accepted, cedana::Error(not_found) for a
// version other than `version`: every plugin is built into this cedana at its version.
std::vector<const registry::PluginInfo*> named_plugins(const std::vector<std::string>& args, Versions versions,
                                                       std::string_view version);

}  // namespace cedana::cli
