#include <iostream>

#include "cli/commands/commands.hpp"

namespace cedana::cli {

void add_version_command(CLI::App& root, Globals&) {
    root.add_subcommand("version", "Print the version of cedana")->callback([] {
        std::cout << "cedana version " << CEDANA_VERSION << '\n';
    });
}

}  // namespace cedana::cli
