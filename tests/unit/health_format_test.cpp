#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "health/report.hpp"

namespace cedana::health {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Column of the first occurrence of `needle`, counted in characters, not bytes.
std::size_t display_column(const std::string& line, const std::string& needle) {
    const auto at = line.find(needle);
    EXPECT_NE(at, std::string::npos) << needle << " not in: " << line;
    std::size_t column = 0;
    for (std::size_t i = 0; i < at; ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++column;
    }
    return column;
}

Report sample() {
    return Report{{
        Section{"CRIU",
                {Result{"Binary", "/usr/sbin/criu", Severity::ok, ""},
                 Result{"Extra features", "1 missing", Severity::warning, "see output"}}},
        Section{"System", {Result{"Root", "no", Severity::error, "run cedana as root"}}},
    }};
}

TEST(HealthFormat, PrintsSectionsRowsAndSummaryExactly) {
    EXPECT_EQ(format_report(sample()),
              "CRIU\n"
              "  Binary          /usr/sbin/criu  ✔\n"
              "  Extra features  1 missing       •  see output\n"
              "\n"
              "System\n"
              "  Root            no              ✖  run cedana as root\n"
              "\n"
              "Found 1 error(s) and 1 warning(s).\n");
}

TEST(HealthFormat, UsesOneSymbolPerSeverity) {
    const auto lines = lines_of(format_report(sample()));
    ASSERT_GE(lines.size(), 5U);
    EXPECT_NE(lines[1].find("✔"), std::string::npos);
    EXPECT_NE(lines[2].find("•"), std::string::npos);
    EXPECT_NE(lines[5].find("✖"), std::string::npos);
    EXPECT_EQ(lines[1].find("•"), std::string::npos);
    EXPECT_EQ(lines[1].find("✖"), std::string::npos);
}

TEST(HealthFormat, AlignsColumnsByDisplayWidthWithMultibyteText) {
    // Values with multi-byte characters must not shift the symbol and hint columns.
    const Report report{{Section{"S",
                                 {Result{"ascii", "abcdef", Severity::warning, "hint-a"},
                                  Result{"µ-name", "✔✔✔✔✔✔", Severity::error, "hint-b"},
                                  Result{"x", "é", Severity::warning, "hint-c"}}}}};
    const auto lines = lines_of(format_report(report));
    ASSERT_GE(lines.size(), 4U);
    const std::vector<std::string> rows{lines[1], lines[2], lines[3]};
    const std::vector<std::string> symbols{"•", "✖", "•"};
    const std::vector<std::string> hints{"hint-a", "hint-b", "hint-c"};
    const std::vector<std::string> values{"abcdef", "✔✔✔✔✔✔", "é"};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        EXPECT_EQ(display_column(rows[i], values[i]), display_column(rows[0], values[0])) << rows[i];
        EXPECT_EQ(display_column(rows[i], hints[i]), display_column(rows[0], hints[0])) << rows[i];
        EXPECT_EQ(display_column(rows[i], symbols[i]), display_column(rows[0], symbols[0])) << rows[i];
    }
}

TEST(HealthFormat, LeavesNoTrailingSpaceWithoutHint) {
    const Report report{{Section{"S", {Result{"name", "value", Severity::ok, ""}}}}};
    EXPECT_EQ(lines_of(format_report(report))[1], "  name  value  ✔");
}

TEST(HealthFormat, SummaryWhenAllGood) {
    const Report report{{Section{"S", {Result{"a", "1", Severity::ok, ""}}}}};
    const auto text = format_report(report);
    EXPECT_TRUE(text.ends_with("\n\nLooks good.\n")) << text;
}

TEST(HealthFormat, SummaryWithOnlyWarnings) {
    const Report report{{Section{"S", {Result{"a", "1", Severity::warning, "h"}, Result{"b", "2", Severity::warning, "h"}}}}};
    EXPECT_TRUE(format_report(report).ends_with("\nLooks good, with 2 warning(s).\n"));
}

TEST(HealthFormat, SummaryWithOnlyErrors) {
    const Report report{{Section{"S", {Result{"a", "1", Severity::error, "h"}, Result{"b", "2", Severity::ok, ""}}}}};
    EXPECT_TRUE(format_report(report).ends_with("\nFound 1 error(s).\n"));
}

TEST(HealthFormat, SummaryWithErrorsAndWarnings) {
    const Report report{{Section{"S",
                                 {Result{"a", "1", Severity::error, "h"}, Result{"b", "2", Severity::error, "h"},
                                  Result{"c", "3", Severity::warning, "h"}}}}};
    EXPECT_TRUE(format_report(report).ends_with("\nFound 2 error(s) and 1 warning(s).\n"));
}

TEST(HealthFormat, EmptyReportIsJustTheSummary) { EXPECT_EQ(format_report(Report{}), "Looks good.\n"); }

TEST(HealthReport, CountsErrorsAndWarningsAcrossSections) {
    const Report report{{
        Section{"A", {Result{"a", "", Severity::error, ""}, Result{"b", "", Severity::warning, ""}}},
        Section{"B", {}},
        Section{"C",
                {Result{"c", "", Severity::error, ""}, Result{"d", "", Severity::ok, ""},
                 Result{"e", "", Severity::error, ""}}},
    }};
    EXPECT_EQ(report.errors(), 3);
    EXPECT_EQ(report.warnings(), 1);
    EXPECT_EQ(Report{}.errors(), 0);
    EXPECT_EQ(Report{}.warnings(), 0);
}

}  // namespace
}  // namespace cedana::health
