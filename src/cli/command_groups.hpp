#pragma once
// The command tree is built only as far as the command being run needs: building all of it
// (some 400 options and subcommands) was a millisecond of every command's start, paid twice
// in a dump and restore. Help without a command, an unknown word and `completion` still
// get the whole tree.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/globals.hpp"

namespace cedana::cli {

struct CommandGroup {
    void (*add)(CLI::App& root, Globals& globals);
    std::vector<std::string> words;  // the top-level commands and aliases `add` defines
};

// The core's groups, then those plugins added.
const std::vector<CommandGroup>& command_groups();

// A plugin's own top-level command (`store` of the store plugin), added from its
// registration (CEDANA_PLUGIN), before the command line is parsed.
void add_command_group(CommandGroup group);

// The first argument that is neither a flag of `root` nor the value of one (`--address X`);
// empty when there is none. `root` holds the global flags.
std::string command_word(const CLI::App& root, int argc, const char* const* argv);

// Adds the group that defines `word`, or every group when none does or the command needs the
// whole tree.
void add_commands(CLI::App& root, Globals& globals, const std::string& word);

}  // namespace cedana::cli
