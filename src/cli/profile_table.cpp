#include "cli/profile_table.hpp"

#include <algorithm>
#include <map>
#include <vector>

#include <fmt/format.h>

namespace cedana::cli {

std::string format_duration_ns(long long ns) {
    if (ns < 1'000'000) return fmt::format("{:.3f} ms", static_cast<double>(ns) / 1e6);
    if (ns < 1'000'000'000) return fmt::format("{:.1f} ms", static_cast<double>(ns) / 1e6);
    return fmt::format("{:.3f} s", static_cast<double>(ns) / 1e9);
}

std::string format_profile(const cedana::daemon::v1::Profile& profile) {
    std::size_t name_w = 4;
    std::size_t comp_w = 9;
    std::vector<std::string> order;
    std::map<std::string, long long> totals;
    for (const auto& step : profile.steps()) {
        name_w = std::max(name_w, step.name().size());
        comp_w = std::max(comp_w, step.component().size());
        if (!totals.contains(step.component())) order.push_back(step.component());
        totals[step.component()] += step.self_ns();
    }
    std::string out = "\nPROFILING\n";
    out += fmt::format("{:<{}}  {:<{}}  {}\n", "STEP", name_w, "COMPONENT", comp_w, "TIME");
    long long total = 0;
    for (const auto& step : profile.steps()) {
        out += fmt::format("{:<{}}  {:<{}}  {}\n", step.name(), name_w, step.component(), comp_w, format_duration_ns(step.self_ns()));
        total += step.self_ns();
    }
    out += fmt::format("\n{:<{}}  {}\n", "COMPONENT", comp_w, "TOTAL");
    for (const auto& component : order) out += fmt::format("{:<{}}  {}\n", component, comp_w, format_duration_ns(totals[component]));
    // Lower case, as Cedana's summary ends, for the scripts that look for it.
    out += fmt::format("{:<{}}  {}\n", "total", comp_w, format_duration_ns(total));
    return out;
}

}  // namespace cedana::cli
