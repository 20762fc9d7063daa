#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/plugin_table.hpp"

namespace cedana::cli {
namespace {

using registry::Feature;
using registry::PluginStatus;
using registry::Status;

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::vector<PluginStatus> sample() {
    return {
        {.name = "criu", .status = Status::installed, .needs = {"CRIU 4.1.1 at /opt/cedana/criu/criu"}, .missing = {},
         .features = {Feature::health_checks}},
        {.name = "process", .status = Status::installed, .needs = {}, .missing = {},
         .features = {Feature::dump_command, Feature::dump_handler}},
        {.name = "runc", .status = Status::missing_dependency, .needs = {"runc: not found", "CRIU 4.1.1 at /x"},
         .missing = {"runc: not found"}, .features = {Feature::dump_command, Feature::freeze_command}},
        {.name = "zfs", .status = Status::available, .needs = {"zfs: not found"}, .missing = {"zfs: not found"},
         .features = {Feature::checkpoint_storage}},
    };
}

TEST(PluginList, PrintsEveryColumnAndTheSummaryExactly) {
    EXPECT_EQ(format_plugin_list(sample(), "0.1.0"),
              "PLUGIN   SIZE      STATUS              INSTALLED VERSION  NEEDS\n"
              "criu     built in  installed           0.1.0              CRIU 4.1.1 at /opt/cedana/criu/criu\n"
              "process  built in  installed           0.1.0\n"
              "runc     built in  missing dependency  0.1.0              runc: not found, CRIU 4.1.1 at /x\n"
              "zfs      built in  available                              zfs: not found\n"
              "2 installed, 1 available, 1 missing dependency\n");
}

TEST(PluginList, SummaryAlwaysCountsInstalledAndAvailableOnly) {
    auto plugins = sample();
    plugins.erase(plugins.begin() + 2, plugins.end());
    const auto lines = lines_of(format_plugin_list(plugins, "0.1.0"));
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines.back(), "2 installed, 0 available");
    EXPECT_EQ(lines_of(format_plugin_list({}, "0.1.0")).back(), "0 installed, 0 available");
}

TEST(PluginFeatures, AMatrixOfEveryFeatureByPlugin) {
    const auto lines = lines_of(format_features(sample(), false));
    ASSERT_EQ(lines.size(), registry::kAllFeatures.size() + 1);
    EXPECT_EQ(lines[0], "FEATURE             criu  process  runc  zfs");
    EXPECT_EQ(lines[1], "Dump command        •     ✔        ✖     —");
    EXPECT_EQ(lines[5], "Freeze command      •     •        ✖     —");
    EXPECT_EQ(lines[9], "Dump handler        •     ✔        •     —");
    EXPECT_EQ(lines[10], "Restore middleware  •     •        •     —");
    EXPECT_EQ(lines.back(), "Health checks       ✔     •        •     —");
    for (std::size_t i = 0; i < registry::kAllFeatures.size(); ++i) {
        EXPECT_EQ(lines[i + 1].rfind(std::string(registry::label(registry::kAllFeatures[i])), 0), 0U) << lines[i + 1];
    }
}

TEST(PluginFeatures, ErrorsSayWhyEachIncompatiblePluginIs) {
    const std::string matrix = format_features(sample(), false);
    const std::string with_errors = format_features(sample(), true);
    ASSERT_EQ(with_errors.rfind(matrix, 0), 0U);
    // Only runc has ✖ cells: zfs misses zfs too, but is not installed.
    EXPECT_EQ(with_errors.substr(matrix.size()), "\nrunc: runc: not found\n");
}

TEST(PluginFeatures, ErrorsSayWhenNothingIsIncompatible) {
    auto plugins = sample();
    plugins.erase(plugins.begin() + 2);
    const std::string matrix = format_features(plugins, false);
    EXPECT_EQ(format_features(plugins, true), matrix + "\nNo incompatible features.\n");
}

TEST(PluginFeatures, AMissingDependencyWithoutFeaturesHasNothingIncompatible) {
    const std::vector<PluginStatus> plugins = {
        {.name = "gpu", .status = Status::missing_dependency, .needs = {"GPU: not found"}, .missing = {"GPU: not found"}, .features = {}}};
    const auto lines = lines_of(format_features(plugins, true));
    EXPECT_EQ(lines[1], "Dump command        •");
    EXPECT_EQ(lines.back(), "No incompatible features.");
}

}  // namespace
}  // namespace cedana::cli
