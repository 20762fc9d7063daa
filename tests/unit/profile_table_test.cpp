#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "cedana/daemon/v1/daemon.pb.h"
#include "cli/profile_table.hpp"

namespace cedana::cli {
namespace {

cedana::daemon::v1::Profile make_profile(const std::vector<std::tuple<std::string, std::string, long long>>& steps) {
    cedana::daemon::v1::Profile profile;
    for (const auto& [name, component, ns] : steps) {
        auto* step = profile.add_steps();
        step->set_name(name);
        step->set_component(component);
        step->set_self_ns(ns);
    }
    return profile;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Splits on runs of spaces, so column padding does not matter.
std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string word; in >> word;) out.push_back(word);
    return out;
}

std::size_t find_line(const std::vector<std::string>& lines, const std::string& starting_with, std::size_t from = 0) {
    for (std::size_t i = from; i < lines.size(); ++i) {
        if (lines[i].rfind(starting_with, 0) == 0) return i;
    }
    return lines.size();
}

TEST(FormatDuration, SubMillisecondHasThreeDecimals) {
    EXPECT_EQ(format_duration_ns(42'000), "0.042 ms");
    EXPECT_EQ(format_duration_ns(0), "0.000 ms");
    EXPECT_EQ(format_duration_ns(500'000), "0.500 ms");
}

TEST(FormatDuration, MillisecondsHaveOneDecimal) {
    EXPECT_EQ(format_duration_ns(1'000'000), "1.0 ms");
    EXPECT_EQ(format_duration_ns(12'300'000), "12.3 ms");
    EXPECT_EQ(format_duration_ns(250'000'000), "250.0 ms");
}

TEST(FormatDuration, SecondsHaveThreeDecimals) {
    EXPECT_EQ(format_duration_ns(1'000'000'000), "1.000 s");
    EXPECT_EQ(format_duration_ns(1'234'000'000), "1.234 s");
    EXPECT_EQ(format_duration_ns(61'500'000'000), "61.500 s");
}

TEST(FormatProfile, HeaderRowsAndTotals) {
    const auto profile = make_profile({
        {"apply-request-config", "daemon", 42'000},
        {"dump", "criu", 12'300'000},
        {"gpu-freeze", "gpu", 1'234'000'000},
        {"write-metadata", "daemon", 958'000},
    });
    const std::string text = format_profile(profile);
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    const auto lines = lines_of(text);

    const std::size_t header = find_line(lines, "STEP");
    ASSERT_LT(header, lines.size()) << text;
    EXPECT_EQ(cells(lines[header]), (std::vector<std::string>{"STEP", "COMPONENT", "TIME"}));
    // The columns line up: COMPONENT starts where the components do.
    const std::size_t comp_col = lines[header].find("COMPONENT");
    const std::size_t time_col = lines[header].find("TIME");

    ASSERT_GE(lines.size(), header + 5) << text;
    EXPECT_EQ(cells(lines[header + 1]), (std::vector<std::string>{"apply-request-config", "daemon", "0.042", "ms"}));
    EXPECT_EQ(cells(lines[header + 2]), (std::vector<std::string>{"dump", "criu", "12.3", "ms"}));
    EXPECT_EQ(cells(lines[header + 3]), (std::vector<std::string>{"gpu-freeze", "gpu", "1.234", "s"}));
    EXPECT_EQ(cells(lines[header + 4]), (std::vector<std::string>{"write-metadata", "daemon", "0.958", "ms"}));
    for (std::size_t i = header + 1; i <= header + 4; ++i) {
        const auto c = cells(lines[i]);
        EXPECT_EQ(lines[i].find(c[1], c[0].size()), comp_col) << lines[i];
        EXPECT_EQ(lines[i].find(c[2], comp_col + c[1].size()), time_col) << lines[i];
    }

    // Totals per component, in the order components first appeared, then the grand total.
    const std::size_t totals = find_line(lines, "COMPONENT", header + 1);
    ASSERT_LT(totals, lines.size()) << text;
    EXPECT_EQ(cells(lines[totals]), (std::vector<std::string>{"COMPONENT", "TOTAL"}));
    ASSERT_GE(lines.size(), totals + 5) << text;
    EXPECT_EQ(cells(lines[totals + 1]), (std::vector<std::string>{"daemon", "1.0", "ms"}));  // 42 µs + 958 µs
    EXPECT_EQ(cells(lines[totals + 2]), (std::vector<std::string>{"criu", "12.3", "ms"}));
    EXPECT_EQ(cells(lines[totals + 3]), (std::vector<std::string>{"gpu", "1.234", "s"}));
    EXPECT_EQ(cells(lines[totals + 4]), (std::vector<std::string>{"total", "1.247", "s"}));
}

TEST(FormatProfile, RowsKeepTheOrderGivenNotSorted) {
    const auto profile = make_profile({{"zeta", "z", 3'000'000}, {"alpha", "a", 1'000'000}, {"mid", "z", 2'000'000}});
    const auto lines = lines_of(format_profile(profile));
    const std::size_t header = find_line(lines, "STEP");
    ASSERT_LT(header + 3, lines.size());
    EXPECT_EQ(cells(lines[header + 1])[0], "zeta");
    EXPECT_EQ(cells(lines[header + 2])[0], "alpha");
    EXPECT_EQ(cells(lines[header + 3])[0], "mid");
    const std::size_t totals = find_line(lines, "COMPONENT", header + 1);
    ASSERT_LT(totals + 2, lines.size());
    EXPECT_EQ(cells(lines[totals + 1]), (std::vector<std::string>{"z", "5.0", "ms"}));
    EXPECT_EQ(cells(lines[totals + 2]), (std::vector<std::string>{"a", "1.0", "ms"}));
}

TEST(FormatProfile, LongNamesWidenTheColumns) {
    const std::string long_name(40, 'n');
    const std::string long_component(30, 'c');
    const auto profile = make_profile({{long_name, long_component, 1'000}, {"x", "y", 2'000}});
    const auto lines = lines_of(format_profile(profile));
    const std::size_t header = find_line(lines, "STEP");
    ASSERT_LT(header + 2, lines.size());
    // Nothing runs together: the long name is followed by at least one space.
    EXPECT_EQ(cells(lines[header + 1]), (std::vector<std::string>{long_name, long_component, "0.001", "ms"}));
    EXPECT_EQ(lines[header].find("COMPONENT"), lines[header + 2].find('y'));
    EXPECT_EQ(lines[header].find("TIME"), lines[header + 2].find("0.002"));
}

TEST(FormatProfile, EmptyProfileStillHasHeaderAndZeroTotal) {
    const auto lines = lines_of(format_profile(cedana::daemon::v1::Profile{}));
    const std::size_t header = find_line(lines, "STEP");
    ASSERT_LT(header, lines.size());
    const std::size_t all = find_line(lines, "total");
    ASSERT_LT(all, lines.size());
    EXPECT_EQ(cells(lines[all]), (std::vector<std::string>{"total", "0.000", "ms"}));
}

}  // namespace
}  // namespace cedana::cli
