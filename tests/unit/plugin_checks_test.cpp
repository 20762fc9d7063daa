#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "health/plugin_checks.hpp"
#include "registry/registry.hpp"

namespace cedana::health {
namespace {

const Result* row(const Section& section, const std::string& name) {
    for (const auto& result : section.results) {
        if (result.name == name) return &result;
    }
    return nullptr;
}

TEST(PluginChecks, EnabledPluginsWithChecksGetASectionEachByName) {
    registry::add({.name = "test-zz", .requirements = {}, .provision = {}});
    registry::add({.name = "test-aa", .requirements = {}, .provision = {}});
    registry::add({.name = "test-off", .requirements = {}, .provision = {}});
    add_plugin_checks("test-zz", [](const config::Config&, const CheckOptions& options) {
        return Section{"ignored", {Result{"Binary", options.criu_binary, Severity::ok, ""}}};
    });
    add_plugin_checks("test-aa", [](const config::Config&, const CheckOptions&) { return Section{"", {Result{"State", "bad", Severity::error, "fix"}}}; });
    add_plugin_checks("test-off", [](const config::Config&, const CheckOptions&) -> Section { throw std::runtime_error("a disabled plugin is not checked"); });

    config::Config config;
    config.plugins.disabled = {"test-off"};
    const auto sections = plugin_sections(config, {.criu_binary = "/c", .full = true});
    std::vector<std::string> names;
    for (const auto& section : sections) {
        if (section.name.starts_with("test-")) names.push_back(section.name);
    }
    ASSERT_EQ(names, (std::vector<std::string>{"test-aa", "test-zz"}));
    const auto zz = std::find_if(sections.begin(), sections.end(), [](const Section& s) { return s.name == "test-zz"; });
    ASSERT_EQ(zz->results.size(), 1U);
    EXPECT_EQ(zz->results[0].value, "/c");
}

TEST(PluginChecks, AddingChecksNotesTheFeatureAndTwiceThrows) {
    registry::add({.name = "test-checked", .requirements = {}, .provision = {}});
    EXPECT_FALSE(registry::implements("test-checked", registry::Feature::health_checks));
    add_plugin_checks("test-checked", [](const config::Config&, const CheckOptions&) { return Section{}; });
    EXPECT_TRUE(registry::implements("test-checked", registry::Feature::health_checks));
    EXPECT_THROW(add_plugin_checks("test-checked", [](const config::Config&, const CheckOptions&) { return Section{}; }), std::logic_error);
}

TEST(PluginChecks, ThePluginsSectionHasARowPerPluginWithItsStatus) {
    const registry::Requirement found{.name = "tool", .find = [] { return std::optional<std::string>("tool 1"); }};
    const registry::Requirement missing{.name = "tool", .find = [] { return std::optional<std::string>(); }};
    registry::add({.name = "test-ready", .requirements = {found}, .provision = {}});
    registry::add({.name = "test-lacking", .requirements = {missing}, .provision = {}});
    registry::add({.name = "test-removed", .requirements = {}, .provision = {}});
    config::Config config;
    config.plugins.disabled = {"test-removed"};
    const Section section = plugins_section(config);
    EXPECT_EQ(section.name, "Plugins");
    EXPECT_EQ(section.results.size(), registry::plugins().size());

    const Result* ready = row(section, "test-ready");
    ASSERT_NE(ready, nullptr);
    EXPECT_EQ(ready->value, "installed");
    EXPECT_EQ(ready->severity, Severity::ok);

    const Result* lacking = row(section, "test-lacking");
    ASSERT_NE(lacking, nullptr);
    EXPECT_EQ(lacking->value, "missing dependency");
    EXPECT_EQ(lacking->severity, Severity::warning);
    EXPECT_EQ(lacking->hint, "tool: not found; provide it, or run 'cedana plugin remove test-lacking'");

    const Result* removed = row(section, "test-removed");
    ASSERT_NE(removed, nullptr);
    EXPECT_EQ(removed->value, "available");
    EXPECT_EQ(removed->severity, Severity::ok);
    EXPECT_EQ(removed->hint, "install it with 'cedana plugin install test-removed'");
}

}  // namespace
}  // namespace cedana::health
