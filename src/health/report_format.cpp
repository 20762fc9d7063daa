#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <string_view>

#include "health/report.hpp"

namespace cedana::health {
namespace {

int count(const Report& report, Severity severity) {
    int n = 0;
    for (const auto& section : report.sections) {
        n += static_cast<int>(std::count_if(section.results.begin(), section.results.end(),
                                            [&](const Result& r) { return r.severity == severity; }));
    }
    return n;
}

// Columns are measured in code points rather than bytes: the symbols and any non-ASCII
// value would otherwise come out short. Every character we print is one column wide.
std::size_t display_width(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

void append_padded(std::string& out, std::string_view text, std::size_t width) {
    fmt::format_to(std::back_inserter(out), "{}{:{}}", text, "", width - display_width(text));
}

std::string_view symbol(Severity severity) {
    switch (severity) {
        case Severity::ok: return "✔";
        case Severity::warning: return "•";
        case Severity::error: return "✖";
    }
    return "?";  // Only for a value cast from outside the enum.
}

std::string summary(int errors, int warnings) {
    if (errors > 0) {
        if (warnings == 0) return fmt::format("Found {} error(s).", errors);
        return fmt::format("Found {} error(s) and {} warning(s).", errors, warnings);
    }
    if (warnings > 0) return fmt::format("Looks good, with {} warning(s).", warnings);
    return "Looks good.";
}

}  // namespace

int Report::errors() const { return count(*this, Severity::error); }

int Report::warnings() const { return count(*this, Severity::warning); }

std::string format_report(const Report& report) {
    // One width per column across all sections, so the whole report reads as one table.
    std::size_t name_width = 0;
    std::size_t value_width = 0;
    for (const auto& section : report.sections) {
        for (const auto& result : section.results) {
            name_width = std::max(name_width, display_width(result.name));
            value_width = std::max(value_width, display_width(result.value));
        }
    }

    std::string out;
    for (const auto& section : report.sections) {
        if (!out.empty()) out += '\n';
        out += section.name;
        out += '\n';
        for (const auto& result : section.results) {
            out += "  ";
            append_padded(out, result.name, name_width);
            out += "  ";
            append_padded(out, result.value, value_width);
            out += "  ";
            out += symbol(result.severity);
            if (!result.hint.empty()) fmt::format_to(std::back_inserter(out), "  {}", result.hint);
            out += '\n';
        }
    }
    if (!out.empty()) out += '\n';
    out += summary(report.errors(), report.warnings());
    out += '\n';
    return out;
}

}  // namespace cedana::health
