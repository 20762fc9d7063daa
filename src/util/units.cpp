#include "util/units.hpp"

#include <iterator>

#include <fmt/format.h>

namespace cedana::util {

std::string binary_size(std::uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    if (unit == 0) return fmt::format("{} B", bytes);
    // Whole numbers read better in a table; one decimal where it matters.
    return value >= 100 ? fmt::format("{:.0f} {}", value, units[unit]) : fmt::format("{:.1f} {}", value, units[unit]);
}

std::string age(std::int64_t seconds) {
    if (seconds < 1) return "just now";
    struct Unit {
        std::int64_t seconds;
        const char* name;
    };
    const Unit units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
    for (const auto& u : units) {
        if (seconds >= u.seconds) {
            const auto n = seconds / u.seconds;
            return fmt::format("{} {}{} ago", n, u.name, n == 1 ? "" : "s");
        }
    }
    return "just now";
}

}  // namespace cedana::util
