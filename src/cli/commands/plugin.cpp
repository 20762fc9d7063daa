#include <iostream>

#include "cli/commands/commands.hpp"
#include "cli/plugin_install.hpp"
#include "cli/plugin_names.hpp"
#include "cli/plugin_table.hpp"

namespace cedana::cli {

namespace {

struct PluginOptions {
    std::vector<std::string> names;
    bool errors = false;
};

// The statuses of the plugins the arguments name, under this call's configuration.
std::vector<registry::PluginStatus> named_statuses(const Globals& globals, const std::vector<std::string>& names, Versions versions) {
    const auto plugins = named_plugins(names, versions, CEDANA_VERSION);
    const config::Config config = globals.load_config().config;
    std::vector<registry::PluginStatus> out;
    for (const registry::PluginInfo* plugin : plugins) out.push_back(registry::status_of(*plugin, config));
    return out;
}

// `install` and `remove` edit the configuration file that this call reads.
config::Sources file_sources(const Globals& globals) {
    return {.config_dir = globals.config_dir, .override_json = globals.config_json, .env = config::process_env()};
}

void add_list(CLI::App& parent, const std::string& name, const std::string& help, Globals& globals,
              const std::shared_ptr<PluginOptions>& o) {
    auto* list = parent.add_subcommand(name, help);
    list->add_option("name", o->names, "name[@version] to show (default all)");
    list->callback([&globals, o] {
        std::cout << format_plugin_list(named_statuses(globals, o->names, Versions::accepted), CEDANA_VERSION);
    });
}

void add_features(CLI::App& parent, const std::string& help, Globals& globals, const std::shared_ptr<PluginOptions>& o) {
    auto* features = parent.add_subcommand("features", help);
    features->add_option("name", o->names, "plugins to show (default all)");
    features->add_flag("--errors", o->errors, "show why a feature is incompatible");
    features->callback([&globals, o] {
        std::cout << format_features(named_statuses(globals, o->names, Versions::refused), o->errors);
    });
}

}  // namespace

void add_plugin_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<PluginOptions>());
    auto* plugin = root.add_subcommand("plugin", "List, install and remove plugins")->require_subcommand(1);
    add_list(*plugin, "list", "List plugins, installed and available", globals, o);
    auto* install = plugin->add_subcommand("install", "Install plugins: enable them in the configuration and provision them");
    install->add_option("name", o->names, "name[@version]")->required();
    install->callback([&globals, o] {
        install_plugins(file_sources(globals), named_plugins(o->names, Versions::accepted, CEDANA_VERSION), std::cout);
    });
    auto* remove = plugin->add_subcommand("remove", "Remove plugins: disable them in the configuration");
    remove->add_option("name", o->names, "plugin name")->required();
    remove->callback([&globals, o] {
        remove_plugins(file_sources(globals), named_plugins(o->names, Versions::refused, CEDANA_VERSION), std::cout);
    });
    add_features(*plugin, "Show which features each plugin implements", globals, o);

    add_list(root, "plugins", "List plugins (alias of plugin list)", globals, o);
    add_features(root, "Show which features each plugin implements (alias of plugin features)", globals, o);
}

void add_k8s_commands(CLI::App& root, Globals&) {
    auto* k8s = root.add_subcommand("k8s", "Install or remove the daemon on a Kubernetes node")->require_subcommand(1);
    not_available_yet(*k8s->add_subcommand("setup", "Install the daemon on this Kubernetes node"), "Kubernetes support");
    not_available_yet(*k8s->add_subcommand("destroy", "Remove the daemon from this Kubernetes node"), "Kubernetes support");
}

void add_dump_vm_command(CLI::App& root, Globals& globals) {
    auto dir = globals.keep(std::make_shared<std::string>());
    auto* vm = root.add_subcommand("dump-vm", "Checkpoint a virtual machine")->require_subcommand(1);
    vm->add_option("-d,--dir", *dir, "directory to write the checkpoint in")->required();
    not_available_yet(*vm->add_subcommand("cloud-hypervisor", "Checkpoint a Cloud Hypervisor VM"), "VM checkpointing");
    not_available_yet(*vm->add_subcommand("kata", "Checkpoint a Kata Containers VM"), "VM checkpointing");
}

}  // namespace cedana::cli
