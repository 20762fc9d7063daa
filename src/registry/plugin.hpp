#pragma once
// What a plugin is to the core: a name, what it needs on the machine, and how to provision
// it. What it adds to the chains, the command line and the checks is registered separately
// (daemon/routes.hpp, cli/plugin_commands.hpp, health/plugin_checks.hpp), each noting the
// features it implements in the registry.
//
// Every plugin is compiled into the binary; "installed" means enabled (not named in the
// configuration's plugins.disabled) with what it needs found. A plugin is a folder
// src/plugins/<name>/ whose register.cpp calls these functions from a static initializer
// (CEDANA_PLUGIN below); CMake links every plugin's objects whole, so adding one touches no
// core file.

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cedana::registry {

// A program or facility a plugin needs, and how to look for it.
struct Requirement {
    std::string name;  // "runc", "CRIU 4"
    // What was found ("runc 1.1.5 at /usr/sbin/runc"), or nullopt when missing.
    std::function<std::optional<std::string>()> find;
};

struct PluginInfo {
    std::string name;  // "process", "runc"
    std::vector<Requirement> requirements;
    // `plugin install` runs it after enabling the plugin, for plugins that have something
    // to put on the machine (CRIU 4 for criu); throws cedana::Error when it cannot.
    std::function<void()> provision;
};

}  // namespace cedana::registry

// In a plugin's register.cpp: CEDANA_PLUGIN(runc) { registry::add({...}); ... }
#define CEDANA_PLUGIN(name)                                                      \
    static void cedana_register_plugin_##name();                                \
    [[maybe_unused]] static const bool cedana_plugin_registered_##name = [] {   \
        cedana_register_plugin_##name();                                         \
        return true;                                                             \
    }();                                                                         \
    static void cedana_register_plugin_##name()
