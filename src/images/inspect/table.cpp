#include "images/inspect/table.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <fmt/format.h>

namespace cedana::images::inspect {

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add(std::vector<std::string> cells) {
    if (cells.size() > columns_.size()) throw std::logic_error("table row has more cells than columns");
    cells.resize(columns_.size());
    rows_.push_back(std::move(cells));
}

std::string Table::render() const {
    std::vector<std::size_t> widths(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        widths[c] = columns_[c].header.size();
        for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
    }
    std::string out;
    auto line = [&](auto cell_at) {
        std::string text;
        for (std::size_t c = 0; c < columns_.size(); ++c) {
            if (c > 0) text += "  ";
            const std::string& cell = cell_at(c);
            if (columns_[c].numeric)
                text += fmt::format("{:>{}}", cell, widths[c]);
            else
                text += fmt::format("{:<{}}", cell, widths[c]);
        }
        text.erase(text.find_last_not_of(' ') + 1);
        out += text;
        out += '\n';
    };
    line([&](std::size_t c) -> const std::string& { return columns_[c].header; });
    for (const auto& row : rows_) line([&](std::size_t c) -> const std::string& { return row[c]; });
    return out;
}

std::string human_bytes(unsigned long long bytes) {
    static constexpr std::array<const char*, 5> units{"B", "KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return fmt::format("{} B", bytes);
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < units.size()) {
        value /= 1024;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, units[unit]);
}

}  // namespace cedana::images::inspect
