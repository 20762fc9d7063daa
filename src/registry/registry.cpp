#include "registry/registry.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "util/error.hpp"

namespace cedana::registry {

namespace {

struct Entry {
    PluginInfo info;
    std::set<Feature> features;
};

// Function-local, so that plugins registering from static initializers find it built
// whatever order the linker put their objects in.
struct Table {
    std::mutex mutex;
    std::map<std::string, std::unique_ptr<Entry>> entries;
};

Table& table() {
    static Table t;
    return t;
}

}  // namespace

void add(PluginInfo plugin) {
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    const std::string name = plugin.name;
    auto& entry = t.entries[name];
    if (entry && !entry->info.name.empty()) throw std::logic_error("plugin " + name + " registered twice");
    if (!entry) entry = std::make_unique<Entry>();
    entry->info = std::move(plugin);
}

void note(const std::string& plugin, Feature feature) {
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    auto& entry = t.entries[plugin];
    if (!entry) entry = std::make_unique<Entry>();
    entry->features.insert(feature);
}

std::vector<const PluginInfo*> plugins() {
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    std::vector<const PluginInfo*> out;
    for (const auto& [name, entry] : t.entries) {
        if (!entry->info.name.empty()) out.push_back(&entry->info);
    }
    return out;
}

const PluginInfo* find(const std::string& name) {
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    const auto it = t.entries.find(name);
    return it == t.entries.end() || it->second->info.name.empty() ? nullptr : &it->second->info;
}

bool implements(const std::string& plugin, Feature feature) {
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    const auto it = t.entries.find(plugin);
    return it != t.entries.end() && it->second->features.contains(feature);
}

bool enabled(const config::Config& config, const std::string& plugin) {
    return std::ranges::find(config.plugins.disabled, plugin) == config.plugins.disabled.end();
}

void require_enabled(const config::Config& config, const std::string& plugin) {
    if (!enabled(config, plugin)) {
        fail(ErrorKind::failed_precondition, "plugin {} is not installed: run 'cedana plugin install {}'", plugin, plugin);
    }
}

}  // namespace cedana::registry
