#include "cli/help_formatter.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cedana::cli {

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
    std::string description = sub->get_description();
    if (!sub->get_aliases().empty()) description += fmt::format(" (aliases: {})", fmt::join(sub->get_aliases(), ", "));
    return fmt::format("  {:<{}}{}\n", sub->get_display_name(), get_column_width(), description);
}

std::string HelpFormatter::make_description(const CLI::App* app) const {
    std::string out = CLI::Formatter::make_description(app);
    if (!app->get_aliases().empty()) out += fmt::format("Aliases: {}\n", fmt::join(app->get_aliases(), ", "));
    return out;
}

}  // namespace cedana::cli
