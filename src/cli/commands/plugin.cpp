#include "cli/commands/commands.hpp"

namespace cedana::cli {

namespace {

void add_features(CLI::App& parent, std::vector<std::string>& names, bool& errors, const std::string& help) {
    auto* features = parent.add_subcommand("features", help);
    features->add_option("name", names, "plugins to show (default all)");
    features->add_flag("--errors", errors, "show why a feature is incompatible");
    not_available_yet(*features, "plugins");
}

}  // namespace

void add_plugin_commands(CLI::App& root, Globals& globals) {
    struct PluginOptions {
        std::vector<std::string> names;
        bool errors = false;
    };
    auto o = globals.keep(std::make_shared<PluginOptions>());
    auto* plugin = root.add_subcommand("plugin", "List, install and remove plugins")->require_subcommand(1);
    auto* list = plugin->add_subcommand("list", "List plugins, installed and available");
    list->add_option("name", o->names, "name[@version] to show");
    not_available_yet(*list, "plugins");
    auto* install = plugin->add_subcommand("install", "Install plugins");
    install->add_option("name", o->names, "name[@version]")->required();
    not_available_yet(*install, "plugins");
    auto* remove = plugin->add_subcommand("remove", "Remove plugins");
    remove->add_option("name", o->names, "plugin name")->required();
    not_available_yet(*remove, "plugins");
    add_features(*plugin, o->names, o->errors, "Show which features each plugin implements");

    auto* plugins = root.add_subcommand("plugins", "List plugins (alias of plugin list)");
    plugins->add_option("name", o->names, "name[@version] to show");
    not_available_yet(*plugins, "plugins");
    add_features(root, o->names, o->errors, "Show which features each plugin implements (alias of plugin features)");
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
