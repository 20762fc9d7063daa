#pragma once
// The text of `cedana plugin list` and `cedana features`, from plugins' statuses alone, so
// that what they print is decided here and nowhere else.

#include <string>
#include <string_view>
#include <vector>

#include "registry/status.hpp"

namespace cedana::cli {

// PLUGIN SIZE STATUS INSTALLED VERSION NEEDS, a row per plugin in the order given, then a
// summary: "2 installed, 1 available", with ", 1 missing dependency" when there are any.
// `version` is the INSTALLED VERSION of every enabled plugin: each is compiled into this
// cedana.
std::string format_plugin_list(const std::vector<registry::PluginStatus>& plugins, std::string_view version);

// A row per feature (registry::kAllFeatures), a column per plugin in the order given: ✔
// implemented, • not implemented, — not installed, ✖ implemented but incompatible (a
// requirement is missing). With `errors`, then a line per plugin with a ✖ saying why.
std::string format_features(const std::vector<registry::PluginStatus>& plugins, bool errors);

}  // namespace cedana::cli
