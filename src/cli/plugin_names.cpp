#include "cli/plugin_names.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "registry/registry.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace {

[[noreturn]] void unknown(const std::string& name) {
    std::vector<std::string> known;
    for (const registry::PluginInfo* plugin : registry::plugins()) known.push_back(plugin->name);
    fail(ErrorKind::invalid_argument, "unknown plugin \"{}\": known plugins are {}", name, fmt::join(known, ", "));
}

}  // namespace

std::vector<const registry::PluginInfo*> named_plugins(const std::vector<std::string>& args, Versions versions,
                                                       std::string_view version) {
    if (args.empty()) return registry::plugins();
    std::vector<const registry::PluginInfo*> out;
    for (const auto& arg : args) {
        const auto at = versions == Versions::accepted ? arg.find('@') : std::string::npos;
        const std::string name = arg.substr(0, at);
        const registry::PluginInfo* plugin = registry::find(name);
        if (plugin == nullptr) unknown(name);
        if (at != std::string::npos && std::string_view(arg).substr(at + 1) != version) {
            fail(ErrorKind::not_found, "plugin {} is not available: this cedana has {} {} built in", arg, name, version);
        }
        if (std::ranges::find(out, plugin) == out.end()) out.push_back(plugin);
    }
    std::ranges::sort(out, {}, &registry::PluginInfo::name);
    return out;
}

}  // namespace cedana::cli
