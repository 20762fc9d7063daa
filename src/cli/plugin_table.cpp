#include "cli/plugin_table.hpp"

#include <algorithm>
#include <cstddef>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cedana::cli {

namespace {

using registry::Status;

// Measured in code points: the matrix's symbols are one column wide but three bytes long.
std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Left-aligned columns two spaces apart, trailing spaces trimmed.
std::string table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], display_width(row[c]));
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (c > 0) line += "  ";
            line += row[c];
            line.append(width[c] - display_width(row[c]), ' ');
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

std::string summary(const std::vector<registry::PluginStatus>& plugins) {
    const auto count = [&](Status status) {
        return std::count_if(plugins.begin(), plugins.end(), [&](const auto& p) { return p.status == status; });
    };
    std::string out = fmt::format("{} installed, {} available", count(Status::installed), count(Status::available));
    if (const auto missing = count(Status::missing_dependency); missing > 0) out += fmt::format(", {} missing dependency", missing);
    return out + '\n';
}

bool implements(const registry::PluginStatus& plugin, registry::Feature feature) {
    return std::ranges::find(plugin.features, feature) != plugin.features.end();
}

std::string cell(const registry::PluginStatus& plugin, registry::Feature feature) {
    if (plugin.status == Status::available) return "—";
    if (!implements(plugin, feature)) return "•";
    return plugin.status == Status::installed ? "✔" : "✖";
}

}  // namespace

std::string format_plugin_list(const std::vector<registry::PluginStatus>& plugins, std::string_view version) {
    std::vector<std::vector<std::string>> rows = {{"PLUGIN", "SIZE", "STATUS", "INSTALLED VERSION", "NEEDS"}};
    for (const auto& plugin : plugins) {
        rows.push_back({plugin.name, "built in", std::string(registry::status_name(plugin.status)),
                        plugin.status == Status::available ? std::string() : std::string(version),
                        fmt::format("{}", fmt::join(plugin.needs, ", "))});
    }
    return table(rows) + summary(plugins);
}

std::string format_features(const std::vector<registry::PluginStatus>& plugins, bool errors) {
    std::vector<std::vector<std::string>> rows = {{"FEATURE"}};
    for (const auto& plugin : plugins) rows.front().push_back(plugin.name);
    for (const registry::Feature feature : registry::kAllFeatures) {
        std::vector<std::string> row = {std::string(registry::label(feature))};
        for (const auto& plugin : plugins) row.push_back(cell(plugin, feature));
        rows.push_back(std::move(row));
    }
    std::string out = table(rows);
    if (!errors) return out;
    std::string why;
    for (const auto& plugin : plugins) {
        if (plugin.status == Status::missing_dependency && !plugin.features.empty()) {
            why += fmt::format("{}: {}\n", plugin.name, fmt::join(plugin.missing, ", "));
        }
    }
    return out + '\n' + (why.empty() ? std::string("No incompatible features.\n") : why);
}

}  // namespace cedana::cli
