// The plugin commands' logic: which plugins arguments name, and what install and remove
// do to the configuration file.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/plugin_install.hpp"
#include "cli/plugin_names.hpp"
#include "config/config.hpp"
#include "registry/registry.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

namespace cedana::cli {
namespace {

using nlohmann::json;

template <typename Fn>
Error error_of(Fn&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "expected cedana::Error, nothing was thrown";
    return Error(ErrorKind::internal, "");
}

std::vector<std::string> names_of(const std::vector<const registry::PluginInfo*>& plugins) {
    std::vector<std::string> out;
    for (const auto* plugin : plugins) out.push_back(plugin->name);
    return out;
}

class ConfigDir : public cedana::testing::TempDir {
public:
    [[nodiscard]] config::Sources sources(std::map<std::string, std::string> env = {}) const {
        return {.config_dir = path().string(), .override_json = {}, .env = std::move(env)};
    }
    [[nodiscard]] bool has_file() const { return std::filesystem::exists(path() / "config.json"); }
    [[nodiscard]] json file() const {
        std::ifstream in(path() / "config.json");
        return json::parse(in);
    }
    void write(const std::string& text) const { std::ofstream(path() / "config.json") << text; }
};

TEST(PluginNames, NoNamesIsEveryPluginAndNamesAreSortedOnce) {
    EXPECT_EQ(names_of(named_plugins({}, Versions::refused, "0.1.0")), names_of(registry::plugins()));
    EXPECT_EQ(names_of(named_plugins({"process", "criu", "process"}, Versions::refused, "0.1.0")),
              (std::vector<std::string>{"criu", "process"}));
}

TEST(PluginNames, AnUnknownNameListsTheKnownOnes) {
    const Error e = error_of([] { named_plugins({"criu", "foo"}, Versions::refused, "0.1.0"); });
    EXPECT_EQ(e.kind(), ErrorKind::invalid_argument);
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("unknown plugin \"foo\": known plugins are ", 0), 0U) << msg;
    EXPECT_NE(msg.find("criu, "), std::string::npos) << msg;
    EXPECT_NE(msg.find("process"), std::string::npos) << msg;
}

TEST(PluginNames, OnlyThisCedanasVersionIsAvailable) {
    EXPECT_EQ(names_of(named_plugins({"criu@0.1.0"}, Versions::accepted, "0.1.0")), std::vector<std::string>{"criu"});
    const Error other = error_of([] { named_plugins({"criu@2.0"}, Versions::accepted, "0.1.0"); });
    EXPECT_STREQ(other.what(), "plugin criu@2.0 is not available: this cedana has criu 0.1.0 built in");
    // Where versions are not taken, "@" is part of the name.
    const Error refused = error_of([] { named_plugins({"criu@0.1.0"}, Versions::refused, "0.1.0"); });
    EXPECT_EQ(std::string(refused.what()).rfind("unknown plugin \"criu@0.1.0\"", 0), 0U) << refused.what();
}

TEST(PluginInstall, RemoveDisablesInTheFileAndInstallEnablesAndProvisions) {
    static int provisioned = 0;  // the registry keeps the plugin, and so its provision, for good
    registry::add({.name = "test-tool", .requirements = {}, .provision = [] { ++provisioned; }});
    ConfigDir dir;
    dir.write(R"({"plugins": {"disabled": ["other"]}, "log": {"level": "debug"}})");
    const auto plugins = named_plugins({"test-tool"}, Versions::refused, "0.1.0");

    std::ostringstream removed;
    remove_plugins(dir.sources(), plugins, removed);
    EXPECT_EQ(removed.str(), "Removed test-tool\n");
    EXPECT_EQ(dir.file(), json::parse(R"({"plugins": {"disabled": ["other", "test-tool"]}, "log": {"level": "debug"}})"));

    std::ostringstream again;
    const Error e = error_of([&] { remove_plugins(dir.sources(), plugins, again); });
    EXPECT_STREQ(e.what(), "test-tool is not installed: nothing to remove");
    EXPECT_EQ(again.str(), "");

    std::ostringstream installed;
    install_plugins(dir.sources(), plugins, installed);
    EXPECT_EQ(installed.str(), "Installed test-tool\n");
    EXPECT_EQ(provisioned, 1);
    EXPECT_EQ(dir.file(), json::parse(R"({"plugins": {"disabled": ["other"]}, "log": {"level": "debug"}})"));

    // Installing what is installed provisions again (an update of what it put there), and
    // leaves the file as it was.
    std::ostringstream twice;
    install_plugins(dir.sources(), plugins, twice);
    EXPECT_EQ(twice.str(), "Installed test-tool\n");
    EXPECT_EQ(provisioned, 2);
}

TEST(PluginInstall, InstallingAnEnabledPluginCreatesNoFile) {
    registry::add({.name = "test-plain", .requirements = {}, .provision = {}});
    ConfigDir dir;
    std::ostringstream out;
    install_plugins(dir.sources(), named_plugins({"test-plain"}, Versions::refused, "0.1.0"), out);
    EXPECT_EQ(out.str(), "Installed test-plain\n");
    EXPECT_FALSE(dir.has_file());
}

TEST(PluginInstall, RemoveRefusesEverythingWhenOneIsNotInstalled) {
    registry::add({.name = "test-a", .requirements = {}, .provision = {}});
    registry::add({.name = "test-b", .requirements = {}, .provision = {}});
    ConfigDir dir;
    dir.write(R"({"plugins": {"disabled": ["test-b"]}})");
    std::ostringstream out;
    const Error e = error_of([&] { remove_plugins(dir.sources(), named_plugins({"test-a", "test-b"}, Versions::refused, "0.1.0"), out); });
    EXPECT_STREQ(e.what(), "test-b is not installed: nothing to remove");
    EXPECT_EQ(dir.file(), json::parse(R"({"plugins": {"disabled": ["test-b"]}})"));
}

TEST(PluginInstall, AFailedProvisionSaysSoAndLeavesThePluginEnabled) {
    registry::add({.name = "test-broken", .requirements = {}, .provision = [] {
                       fail(ErrorKind::failed_precondition, "no archive reachable");
                   }});
    ConfigDir dir;
    dir.write(R"({"plugins": {"disabled": ["test-broken"]}})");
    std::ostringstream out;
    const Error e = error_of([&] { install_plugins(dir.sources(), named_plugins({"test-broken"}, Versions::refused, "0.1.0"), out); });
    EXPECT_EQ(e.kind(), ErrorKind::failed_precondition);
    EXPECT_STREQ(e.what(), "plugin test-broken is enabled, but provisioning it failed: no archive reachable");
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(dir.file().at("plugins").at("disabled"), json::array());
}

TEST(PluginInstall, TheEnvironmentKeepingAPluginDisabledIsAnError) {
    registry::add({.name = "test-env", .requirements = {}, .provision = {}});
    ConfigDir dir;
    dir.write(R"({"plugins": {"disabled": ["test-env"]}})");
    std::ostringstream out;
    const auto sources = dir.sources({{"CEDANA_PLUGINS_DISABLED", "test-env"}});
    const Error e = error_of([&] { install_plugins(sources, named_plugins({"test-env"}, Versions::refused, "0.1.0"), out); });
    EXPECT_EQ(std::string(e.what()), "plugins.disabled from CEDANA_PLUGINS_DISABLED or --config keeps plugin test-env disabled, "
                                     "whatever " + dir.path().string() + "/config.json says: change or unset it");
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(dir.file().at("plugins").at("disabled"), json::array());
}

}  // namespace
}  // namespace cedana::cli
