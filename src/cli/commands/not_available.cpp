#include "cli/commands/commands.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace {

std::string command_path(const CLI::App& command) {
    std::string path = command.get_name();
    for (const CLI::App* parent = command.get_parent(); parent != nullptr; parent = parent->get_parent()) {
        path = parent->get_name() + " " + path;
    }
    return path;
}

}  // namespace

void not_available_yet(CLI::App& command, const std::string& capability) {
    command.callback([&command, capability] {
        fail(ErrorKind::unimplemented, "{}: not available yet: {} is not part of this version of cedana", command_path(command),
             capability);
    });
}

}  // namespace cedana::cli
