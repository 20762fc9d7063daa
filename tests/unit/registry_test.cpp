#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "config/config.hpp"
#include "registry/registry.hpp"
#include "registry/status.hpp"
#include "util/error.hpp"

namespace cedana::registry {
namespace {

// The registry is the process's one table; each test adds plugins of its own names.
PluginInfo plain(const std::string& name) { return {.name = name, .requirements = {}, .provision = {}}; }

Requirement found(const std::string& name, const std::string& text) {
    return {.name = name, .find = [text] { return std::optional<std::string>(text); }};
}

Requirement missing(const std::string& name) {
    return {.name = name, .find = [] { return std::optional<std::string>(); }};
}

config::Config disabling(std::vector<std::string> names) {
    config::Config config;
    config.plugins.disabled = std::move(names);
    return config;
}

TEST(Registry, AddedPluginsAreFoundAndListedByName) {
    add(plain("test-zeta"));
    add(plain("test-alpha"));
    ASSERT_NE(find("test-alpha"), nullptr);
    EXPECT_EQ(find("test-alpha")->name, "test-alpha");
    EXPECT_EQ(find("test-none"), nullptr);
    std::vector<std::string> names;
    for (const PluginInfo* plugin : plugins()) names.push_back(plugin->name);
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
    EXPECT_NE(std::find(names.begin(), names.end(), "test-zeta"), names.end());
}

TEST(Registry, ThePluginsCompiledInAreRegistered) {
    ASSERT_NE(find("process"), nullptr);
    ASSERT_NE(find("criu"), nullptr);
    ASSERT_EQ(find("criu")->requirements.size(), 1U);
    EXPECT_EQ(find("criu")->requirements.front().name, "CRIU 4");
    EXPECT_TRUE(static_cast<bool>(find("criu")->provision));
}

TEST(Registry, AddingAPluginTwiceThrows) {
    add(plain("test-twice"));
    PluginInfo second = plain("test-twice");
    second.requirements.push_back(missing("tool"));
    EXPECT_THROW(add(std::move(second)), std::logic_error);
    EXPECT_TRUE(find("test-twice")->requirements.empty());  // the first registration stands
}

TEST(Registry, NotedFeaturesAreImplementedAndOthersAreNot) {
    note("test-noted", Feature::dump_handler);
    add(plain("test-noted"));
    note("test-noted", Feature::query_command);
    EXPECT_TRUE(implements("test-noted", Feature::dump_handler));
    EXPECT_TRUE(implements("test-noted", Feature::query_command));
    EXPECT_FALSE(implements("test-noted", Feature::restore_handler));
    EXPECT_FALSE(implements("test-unknown", Feature::dump_handler));
}

TEST(Registry, ANoteAloneDoesNotMakeAPlugin) {
    note("test-only-noted", Feature::reaper);
    EXPECT_EQ(find("test-only-noted"), nullptr);
    for (const PluginInfo* plugin : plugins()) EXPECT_NE(plugin->name, "test-only-noted");
}

TEST(Registry, EnabledUnlessDisabledAndRequireEnabledSaysHowToInstall) {
    const config::Config config = disabling({"runc"});
    EXPECT_FALSE(enabled(config, "runc"));
    EXPECT_TRUE(enabled(config, "process"));
    EXPECT_NO_THROW(require_enabled(config, "process"));
    try {
        require_enabled(config, "runc");
        FAIL() << "require_enabled did not throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::failed_precondition);
        EXPECT_STREQ(e.what(), "plugin runc is not installed: run 'cedana plugin install runc'");
    }
}

TEST(RegistryStatus, InstalledMissingDependencyAndAvailable) {
    add({.name = "test-needs",
         .requirements = {found("tool", "tool 1.0 at /usr/bin/tool"), missing("other")},
         .provision = {}});
    add({.name = "test-has", .requirements = {found("tool", "tool 1.0 at /usr/bin/tool")}, .provision = {}});
    note("test-has", Feature::run_handler);
    note("test-has", Feature::dump_command);

    const PluginStatus needs = status_of(*find("test-needs"), {});
    EXPECT_EQ(needs.status, Status::missing_dependency);
    EXPECT_EQ(needs.needs, (std::vector<std::string>{"tool 1.0 at /usr/bin/tool", "other: not found"}));
    EXPECT_EQ(needs.missing, std::vector<std::string>{"other: not found"});

    const PluginStatus has = status_of(*find("test-has"), {});
    EXPECT_EQ(has.status, Status::installed);
    EXPECT_TRUE(has.missing.empty());
    // In kAllFeatures order, whatever order they were noted in.
    EXPECT_EQ(has.features, (std::vector<Feature>{Feature::dump_command, Feature::run_handler}));

    // Disabled, a plugin is available whatever it finds, and still says what it needs.
    const PluginStatus off = status_of(*find("test-needs"), disabling({"test-needs"}));
    EXPECT_EQ(off.status, Status::available);
    EXPECT_EQ(off.needs, needs.needs);
}

TEST(RegistryStatus, StatusNames) {
    EXPECT_EQ(status_name(Status::installed), "installed");
    EXPECT_EQ(status_name(Status::missing_dependency), "missing dependency");
    EXPECT_EQ(status_name(Status::available), "available");
}

TEST(RegistryFeatures, EveryFeatureHasItsOwnLabel) {
    std::vector<std::string_view> labels;
    for (const Feature feature : kAllFeatures) labels.push_back(label(feature));
    EXPECT_EQ(labels.front(), "Dump command");
    EXPECT_EQ(label(Feature::health_checks), "Health checks");
    std::sort(labels.begin(), labels.end());
    EXPECT_EQ(std::adjacent_find(labels.begin(), labels.end()), labels.end());
}

}  // namespace
}  // namespace cedana::registry
