#pragma once
// `cedana store serve`: runs a cedana:// store in the foreground until SIGINT or SIGTERM.

#include <CLI/CLI.hpp>

#include "cli/globals.hpp"

namespace cedana::plugins::store {

void add_store_commands(CLI::App& root, cli::Globals& globals);

}  // namespace cedana::plugins::store
