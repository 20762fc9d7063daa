#pragma once
// CLI11's help, plus the aliases of each command, which scripts written for the reference
// CLI rely on and CLI11 does not show.

#include <CLI/CLI.hpp>

namespace cedana::cli {

class HelpFormatter : public CLI::Formatter {
public:
    std::string make_subcommand(const CLI::App* sub) const override;
    std::string make_description(const CLI::App* app) const override;
};

}  // namespace cedana::cli
