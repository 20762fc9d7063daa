#include "cli/app.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/command_groups.hpp"
#include "cli/globals.hpp"
#include "cli/help_formatter.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace cedana::cli {

namespace {

// Every subcommand, at any depth, takes the flags of its ancestors (cobra's persistent
// flags), so `cedana run --no-server process x` and `cedana run process x --no-server` match.
void enable_fallthrough(CLI::App& app) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        sub->fallthrough();
        enable_fallthrough(*sub);
    }
}

// Leaves once the command's output is out, without unwinding: tearing down the command tree,
// the gRPC channel and gRPC's threads one by one costs a command ~1 ms of the few it takes.
// Everything that must be undone (temporary files, children, the daemon's server and
// database) is undone by the command itself before it returns.
[[noreturn]] void leave(int code) {
    std::cout.flush();
    std::cerr.flush();
    spdlog::default_logger()->flush();
    std::fflush(nullptr);
    std::_Exit(code);
}

int parse_and_run(CLI::App& root, int argc, char** argv) {
    // CLI11 would only say that a subcommand is required; name the word it did not know.
    if (argc > 1 && argv[1][0] != '-') {
        try {
            root.get_subcommand(argv[1]);
        } catch (const CLI::OptionNotFound&) {
            std::cerr << "Error: unknown command \"" << argv[1] << "\" for \"cedana\"; run 'cedana --help' for the list of commands\n";
            return 1;
        }
    }
    try {
        root.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return root.exit(e);
    } catch (const Error& e) {
        std::cout.flush();
        std::cerr << "Error: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cout.flush();
        std::cerr << "Error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

}  // namespace

void run(int argc, char** argv) {
    util::init_logging();
    CLI::App root("cedana: checkpoint and restore processes, containers and jobs", "cedana");
    root.formatter(std::make_shared<HelpFormatter>());
    root.set_version_flag("--version", std::string("cedana version ") + CEDANA_VERSION);
    root.require_subcommand(1);
    Globals globals;
    add_global_flags(root, globals);

    add_commands(root, globals, command_word(root, argc, argv));
    enable_fallthrough(root);
    leave(parse_and_run(root, argc, argv));
}

}  // namespace cedana::cli
