#include "cli/command_groups.hpp"

#include <algorithm>
#include <string_view>

#include "cli/commands/commands.hpp"

namespace cedana::cli {

namespace {

std::vector<CommandGroup>& groups() {
    static std::vector<CommandGroup> groups = {
        {add_daemon_commands, {"daemon"}},
        {add_check_command, {"check"}},
        {add_run_commands, {"run", "exec"}},
        {add_manage_commands, {"manage"}},
        {add_dump_commands, {"dump"}},
        {add_restore_commands, {"restore"}},
        {add_freeze_commands, {"freeze", "unfreeze"}},
        {add_query_commands, {"query"}},
        {add_job_commands, {"job", "ps", "jobs", "kill", "delete", "attach", "checkpoints", "checkpoint"}},
        {add_migrate_commands, {"migrate"}},
        {add_plugin_commands, {"plugin", "plugins", "features"}},
        {add_k8s_commands, {"k8s"}},
        {add_dump_vm_command, {"dump-vm"}},
        {add_completion_command, {"completion"}},
        {add_version_command, {"version"}},
    };
    return groups;
}

}  // namespace

const std::vector<CommandGroup>& command_groups() { return groups(); }

void add_command_group(CommandGroup group) { groups().push_back(std::move(group)); }

std::string command_word(const CLI::App& root, int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") return "";
        if (!arg.starts_with('-')) return std::string(arg);
        if (arg.find('=') != std::string_view::npos) continue;
        const CLI::Option* option = root.get_option_no_throw(std::string(arg));
        if (option != nullptr && option->get_items_expected_min() > 0) ++i;
    }
    return "";
}

void add_commands(CLI::App& root, Globals& globals, const std::string& word) {
    const auto& groups = command_groups();
    const auto chosen = std::find_if(groups.begin(), groups.end(), [&](const CommandGroup& group) {
        return std::find(group.words.begin(), group.words.end(), word) != group.words.end();
    });
    // The completion script describes every command.
    if (chosen != groups.end() && word != "completion") {
        chosen->add(root, globals);
        return;
    }
    for (const auto& group : groups) group.add(root, globals);
}

}  // namespace cedana::cli
