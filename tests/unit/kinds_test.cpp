#include <gtest/gtest.h>

#include <string>

#include "cli/workload_commands.hpp"
#include "daemon/kinds.hpp"
#include "registry/registry.hpp"
#include "util/error.hpp"

namespace cedana::daemon {
namespace {

using registry::Feature;

// The process plugin is linked into the tests as into the binary: its static registration
// ran before main, and what it registered is what the features matrix shows.
TEST(Kinds, TheProcessPluginRegisteredEveryRouteItServes) {
    EXPECT_EQ(dump_kind("process").plugin, "process");
    EXPECT_EQ(dump_kind("process").handler.name, "criu-dump");
    EXPECT_EQ(restore_kind("process").handler.name, "criu-restore");
    EXPECT_EQ(run_kind("process").plugin, "process");
    EXPECT_EQ(manage_kind("process").plugin, "process");
    ASSERT_NE(registry::find("process"), nullptr);
    for (const auto feature : {Feature::dump_middleware, Feature::dump_handler, Feature::restore_middleware, Feature::restore_handler,
                               Feature::run_handler, Feature::dump_command, Feature::restore_command, Feature::run_command,
                               Feature::manage_command}) {
        EXPECT_TRUE(registry::implements("process", feature)) << registry::label(feature);
    }
    // It adds no run middleware, and nothing of what other plugins do.
    EXPECT_FALSE(registry::implements("process", Feature::run_middleware));
    EXPECT_FALSE(registry::implements("process", Feature::checkpoint_storage));
}

TEST(Kinds, AnUnservedTypeIsRefusedNamingWhatIsServed) {
    try {
        dump_kind("no-such-kind");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::unimplemented);
        const std::string msg = e.what();
        EXPECT_NE(msg.find("dump of type \"no-such-kind\""), std::string::npos) << msg;
        EXPECT_NE(msg.find("process"), std::string::npos) << msg;
    }
}

TEST(Kinds, RegisteringNotesOnlyWhatTheKindBrings) {
    add_restore_kind("unit-test-kind", {.plugin = "unit-test-plugin", .steps = {}, .handler = {"h", "test", [](auto&, auto&, auto&) {}}});
    EXPECT_TRUE(registry::implements("unit-test-plugin", Feature::restore_handler));
    EXPECT_FALSE(registry::implements("unit-test-plugin", Feature::restore_middleware));
    EXPECT_EQ(restore_kind("unit-test-kind").handler.name, "h");
    // One kind per type and route.
    EXPECT_THROW(add_restore_kind("unit-test-kind", {.plugin = "other", .steps = {}, .handler = {}}), std::logic_error);
    cli::add_dump_command("unit-test-plugin", [](CLI::App&, cli::Globals&, const std::shared_ptr<cli::DumpOptions>&) {});
    EXPECT_TRUE(registry::implements("unit-test-plugin", Feature::dump_command));
}

TEST(PluginEnabled, ADisabledPluginIsRefusedWithHowToInstallIt) {
    config::Config config;
    config.plugins.disabled = {"runc"};
    EXPECT_FALSE(registry::enabled(config, "runc"));
    EXPECT_TRUE(registry::enabled(config, "process"));
    try {
        registry::require_enabled(config, "runc");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()), "plugin runc is not installed: run 'cedana plugin install runc'");
    }
    EXPECT_NO_THROW(registry::require_enabled(config, "process"));
}

}  // namespace
}  // namespace cedana::daemon
