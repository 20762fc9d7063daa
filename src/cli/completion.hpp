#pragma once
// Shell completion scripts, generated from the same CLI11 tree that parses the command line,
// so a new subcommand or flag is completable the moment it exists and can never drift from
// what the parser accepts.

#include <string>

#include <CLI/CLI.hpp>

namespace cedana::cli {

// Returns a script for `shell` (bash, zsh, fish or powershell) that completes the subcommands
// (aliases included) and flags of `root`, at any depth. Flags of every ancestor are offered
// too, because the CLI enables fallthrough and accepts them anywhere. Hidden subcommands and
// options (empty group) are left out. Throws std::invalid_argument for any other shell.
std::string completion_script(const CLI::App& root, const std::string& shell);

}  // namespace cedana::cli
