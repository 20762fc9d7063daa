#include <iostream>

#include "cli/commands/commands.hpp"
#include "cli/completion.hpp"
#include "util/error.hpp"

namespace cedana::cli {

void add_completion_command(CLI::App& root, Globals& globals) {
    auto shell = globals.keep(std::make_shared<std::string>());
    auto* cmd = root.add_subcommand("completion", "Print a shell completion script (bash, zsh, fish, powershell)");
    cmd->add_option("shell", *shell, "bash, zsh, fish or powershell")->required();
    cmd->footer("Example: source <(cedana completion bash)");
    cmd->callback([&root, shell] {
        try {
            std::cout << completion_script(root, *shell);
        } catch (const std::invalid_argument& e) {
            throw Error(ErrorKind::invalid_argument, e.what());
        }
    });
}

}  // namespace cedana::cli
