#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "test_errors.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "config/schema.hpp"
#include "util/error.hpp"

namespace cedana::config {
namespace {

namespace fs = std::filesystem;
using cedana::testing::error_message;
using nlohmann::json;

// A fresh directory per test, removed with everything in it at the end.
// A per-test configuration directory.
class TempDir : public cedana::testing::TempDir {
public:
    [[nodiscard]] std::string str() const { return path().string(); }
    [[nodiscard]] fs::path file() const { return path() / "config.json"; }

    void write(const std::string& text) const {
        std::ofstream out(file(), std::ios::trunc);
        out << text;
    }
    [[nodiscard]] std::string read() const {
        std::ifstream in(file());
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
};


bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

Loaded load_from(const TempDir& dir, const std::string& override_json = {},
                 std::map<std::string, std::string> env = {}) {
    return load(Sources{dir.str(), override_json, std::move(env)});
}

// ---------------------------------------------------------------------------------------------
// Defaults and precedence

TEST(ConfigLoad, DefaultsWhenNoFileNoEnvNoOverride) {
    TempDir dir;
    const Loaded loaded = load_from(dir);
    EXPECT_EQ(loaded.config.address, "/run/cedana.sock");
    EXPECT_EQ(loaded.config.protocol, "unix");
    EXPECT_EQ(loaded.config.checkpoint.dir, "/tmp");
    EXPECT_EQ(loaded.config.checkpoint.compression, "none");
    EXPECT_EQ(loaded.config.checkpoint.streams, 0);
    EXPECT_EQ(loaded.config.log.level, "info");
    EXPECT_FALSE(loaded.config.profiling.enabled);
    EXPECT_EQ(loaded.config.criu.binary_path, "");
    EXPECT_FALSE(loaded.config.criu.leave_running);
    EXPECT_TRUE(loaded.config.criu.options.is_object());
    EXPECT_TRUE(loaded.config.criu.options.empty());
    EXPECT_TRUE(loaded.file.empty()) << "no config.json exists, so none was read";
    EXPECT_TRUE(loaded.warnings.empty());
    // The merged JSON carries the same values under canonical keys.
    EXPECT_EQ(loaded.json.at("address"), "/run/cedana.sock");
    EXPECT_EQ(loaded.json.at("checkpoint").at("compression"), "none");
    EXPECT_EQ(loaded.json.at("log").at("level"), "info");
}

TEST(ConfigLoad, FileOverridesDefaults) {
    TempDir dir;
    dir.write(R"({"address": "/var/run/c.sock", "checkpoint": {"dir": "/data", "streams": 4},
                 "profiling": {"enabled": true}})");
    const Loaded loaded = load_from(dir);
    EXPECT_EQ(loaded.file, dir.file().string());
    EXPECT_EQ(loaded.config.address, "/var/run/c.sock");
    EXPECT_EQ(loaded.config.checkpoint.dir, "/data");
    EXPECT_EQ(loaded.config.checkpoint.streams, 4);
    EXPECT_TRUE(loaded.config.profiling.enabled);
    // Fields the file does not name keep their defaults.
    EXPECT_EQ(loaded.config.checkpoint.compression, "none");
    EXPECT_EQ(loaded.config.log.level, "info");
    EXPECT_EQ(loaded.config.protocol, "unix");
}

TEST(ConfigLoad, EnvOverridesFile) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"dir": "/from-file", "compression": "gzip"}, "log": {"level": "warn"}})");
    const Loaded loaded = load_from(dir, "", {{"CEDANA_CHECKPOINT_DIR", "/from-env"}});
    EXPECT_EQ(loaded.config.checkpoint.dir, "/from-env");
    // Not overridden by the environment: the file's value stays.
    EXPECT_EQ(loaded.config.checkpoint.compression, "gzip");
    EXPECT_EQ(loaded.config.log.level, "warn");
}

// Found by fuzzing: bytes that are not UTF-8 made the error message itself throw (JSON's
// strings are UTF-8), which ended the CLI with std::terminate.
TEST(ConfigLoad, EnvValuesThatAreNotUtf8AreRefusedClearly) {
    TempDir dir;
    for (const char* name : {"CEDANA_CHECKPOINT_DIR", "CEDANA_CRIU_OPTIONS", "CEDANA_CHECKPOINT_STREAMS", "CEDANA_LOG_LEVEL"}) {
        const std::string message = error_message([&] { load_from(dir, "", {{name, "/tmp/caf\xe9\xa0"}}); });
        EXPECT_NE(message.find("environment " + std::string(name)), std::string::npos) << message;
        EXPECT_NE(message.find("not UTF-8"), std::string::npos) << message;
    }
}

TEST(ConfigLoad, OverrideJsonOverridesEnvAndFile) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"dir": "/from-file"}, "log": {"level": "warn"}})");
    const Loaded loaded = load_from(dir, R"({"checkpoint": {"dir": "/from-flag"}})",
                                    {{"CEDANA_CHECKPOINT_DIR", "/from-env"}, {"CEDANA_LOG_LEVEL", "debug"}});
    EXPECT_EQ(loaded.config.checkpoint.dir, "/from-flag");
    EXPECT_EQ(loaded.config.log.level, "debug");
    EXPECT_EQ(loaded.json.at("checkpoint").at("dir"), "/from-flag");
}

TEST(ConfigLoad, EnvWithoutCedanaPrefixIsIgnored) {
    TempDir dir;
    const Loaded loaded = load_from(dir, "", {{"CHECKPOINT_DIR", "/nope"}, {"PATH", "/usr/bin"}});
    EXPECT_EQ(loaded.config.checkpoint.dir, "/tmp");
    EXPECT_TRUE(loaded.warnings.empty());
}

TEST(ConfigLoad, KeyMatchingIgnoresCaseAndUnderscores) {
    TempDir dir;
    dir.write(R"({"CRIU": {"BinaryPath": "x", "LEAVE_RUNNING": true}, "Checkpoint": {"Dir": "/d"},
                 "Address": "/a.sock"})");
    const Loaded loaded = load_from(dir);
    EXPECT_TRUE(loaded.warnings.empty()) << loaded.warnings.front();
    EXPECT_EQ(loaded.config.criu.binary_path, "x");
    EXPECT_TRUE(loaded.config.criu.leave_running);
    EXPECT_EQ(loaded.config.checkpoint.dir, "/d");
    EXPECT_EQ(loaded.config.address, "/a.sock");
    // The merged JSON uses the canonical snake_case keys, not the ones written.
    EXPECT_EQ(loaded.json.at("criu").at("binary_path"), "x");
    EXPECT_FALSE(loaded.json.contains("CRIU"));
    EXPECT_FALSE(loaded.json.at("criu").contains("BinaryPath"));
}

TEST(ConfigLoad, UnknownKeysAreWarningsNotErrors) {
    TempDir dir;
    dir.write(R"({"bogus": 1, "checkpoint": {"dir": "/d", "nope": 2}})");
    const Loaded loaded = load_from(dir, R"({"alsobogus": true})");
    EXPECT_EQ(loaded.config.checkpoint.dir, "/d");
    ASSERT_EQ(loaded.warnings.size(), 3U);
    // File warnings come first, then those of --config.
    EXPECT_TRUE(contains(loaded.warnings[0], "bogus")) << loaded.warnings[0];
    EXPECT_TRUE(contains(loaded.warnings[0], dir.file().string())) << loaded.warnings[0];
    EXPECT_TRUE(contains(loaded.warnings[1], "checkpoint.nope")) << loaded.warnings[1];
    EXPECT_TRUE(contains(loaded.warnings[2], "alsobogus")) << loaded.warnings[2];
    EXPECT_TRUE(contains(loaded.warnings[2], "--config")) << loaded.warnings[2];
    EXPECT_FALSE(loaded.json.contains("bogus"));
    EXPECT_FALSE(loaded.json.at("checkpoint").contains("nope"));
}

TEST(ConfigLoad, ChoiceValuesAreCanonicalised) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"compression": "LZ4"}, "protocol": "TCP"})");
    const Loaded loaded = load_from(dir, R"({"log": {"level": "Debug"}})");
    EXPECT_EQ(loaded.config.checkpoint.compression, "lz4");
    EXPECT_EQ(loaded.config.protocol, "tcp");
    EXPECT_EQ(loaded.config.log.level, "debug");
    EXPECT_EQ(loaded.json.at("checkpoint").at("compression"), "lz4");
}

TEST(ConfigLoad, CriuOptionsObjectIsKeptVerbatim) {
    TempDir dir;
    dir.write(R"({"criu": {"options": {"tcp_established": true, "ghost-limit": 1024}}})");
    const Loaded loaded = load_from(dir);
    EXPECT_EQ(loaded.config.criu.options, json::parse(R"({"tcp_established": true, "ghost-limit": 1024})"));
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST(ConfigLoad, MalformedFileNamesPathAndSaysMalformedJson) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"dir": "/d",)");
    const std::string msg = error_message([&] { load_from(dir); });
    EXPECT_TRUE(contains(msg, "malformed JSON")) << msg;
    EXPECT_TRUE(contains(msg, dir.file().string())) << msg;
}

// Found by fuzzing: a number too large for any type is json's out_of_range, which escaped.
TEST(ConfigLoad, ANumberTooLargeInTheFileIsMalformedToo) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"streams": 222222E22222}})");
    const std::string msg = error_message([&] { load_from(dir); });
    EXPECT_TRUE(contains(msg, "malformed JSON")) << msg;
    TempDir empty;
    EXPECT_TRUE(contains(error_message([&] { load_from(empty, R"({"checkpoint": {"streams": 1E99999}})"); }), "--config")) << msg;
}

TEST(ConfigLoad, MalformedOverrideSaysMalformedJsonAndConfigFlag) {
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, "{not json"); });
    EXPECT_TRUE(contains(msg, "malformed JSON")) << msg;
    EXPECT_TRUE(contains(msg, "--config")) << msg;
}

TEST(ConfigLoad, FileThatIsNotAnObjectIsAnError) {
    TempDir dir;
    dir.write("[1, 2, 3]");
    const std::string msg = error_message([&] { load_from(dir); });
    EXPECT_TRUE(contains(msg, dir.file().string())) << msg;
}

TEST(ConfigLoad, StringForBooleanNamesFieldAndValue) {
    TempDir dir;
    dir.write(R"({"profiling": {"enabled": "yes"}})");
    const std::string msg = error_message([&] { load_from(dir); });
    EXPECT_TRUE(contains(msg, "profiling.enabled")) << msg;
    EXPECT_TRUE(contains(msg, "\"yes\"")) << msg;
    EXPECT_TRUE(contains(msg, dir.file().string())) << msg;
}

TEST(ConfigLoad, NegativeStreamsNamesFieldAndValue) {
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, R"({"checkpoint": {"streams": -2}})"); });
    EXPECT_TRUE(contains(msg, "checkpoint.streams")) << msg;
    EXPECT_TRUE(contains(msg, "-2")) << msg;
    EXPECT_TRUE(contains(msg, "--config")) << msg;
}

TEST(ConfigLoad, FractionalStreamsIsAnError) {
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, R"({"checkpoint": {"streams": 2.5}})"); });
    EXPECT_TRUE(contains(msg, "checkpoint.streams")) << msg;
    EXPECT_TRUE(contains(msg, "2.5")) << msg;
}

TEST(ConfigLoad, StreamsTooLargeForIntIsAnError) {
    // 2^32 + 4 does not fit the int Config::checkpoint.streams; it must not load as 4.
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, R"({"checkpoint": {"streams": 4294967300}})"); });
    EXPECT_TRUE(contains(msg, "checkpoint.streams")) << msg;
}

TEST(ConfigLoad, ObjectForStringNamesFieldAndValue) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"dir": {"path": "/x"}}})");
    const std::string msg = error_message([&] { load_from(dir); });
    EXPECT_TRUE(contains(msg, "checkpoint.dir")) << msg;
    EXPECT_TRUE(contains(msg, R"({"path":"/x"})")) << msg;
}

TEST(ConfigLoad, UnknownCompressionNamesFieldValueAndChoices) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"compression": "brotli"}})");
    const std::string msg = error_message([&] { load_from(dir); });
    EXPECT_TRUE(contains(msg, "checkpoint.compression")) << msg;
    EXPECT_TRUE(contains(msg, "brotli")) << msg;
    EXPECT_TRUE(contains(msg, "zstd")) << msg;  // the allowed values are listed
}

TEST(ConfigLoad, SectionThatIsNotAnObjectIsAnError) {
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, R"({"checkpoint": "/tmp"})"); });
    EXPECT_TRUE(contains(msg, "checkpoint")) << msg;
    EXPECT_TRUE(contains(msg, "\"/tmp\"")) << msg;
}

TEST(ConfigLoad, NullValueIsAnError) {
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, R"({"log": {"level": null}})"); });
    EXPECT_TRUE(contains(msg, "log.level")) << msg;
    EXPECT_TRUE(contains(msg, "null")) << msg;
}

// ---------------------------------------------------------------------------------------------
// Environment parsing

TEST(ConfigEnv, BooleansAcceptCommonSpellings) {
    const std::map<std::string, bool> cases = {
        {"true", true}, {"TRUE", true}, {"1", true}, {"yes", true}, {"Yes", true},
        {"false", false}, {"False", false}, {"0", false}, {"no", false}, {"NO", false},
    };
    for (const auto& [text, expected] : cases) {
        // Start from the opposite in the file so that a no-op would be caught.
        TempDir dir;
        dir.write(expected ? R"({"profiling": {"enabled": false}})" : R"({"profiling": {"enabled": true}})");
        const Loaded loaded = load_from(dir, "", {{"CEDANA_PROFILING_ENABLED", text}});
        EXPECT_EQ(loaded.config.profiling.enabled, expected) << "CEDANA_PROFILING_ENABLED=" << text;
    }
}

TEST(ConfigEnv, BadBooleanNamesVariableAndValue) {
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, "", {{"CEDANA_CRIU_LEAVE_RUNNING", "maybe"}}); });
    EXPECT_TRUE(contains(msg, "CEDANA_CRIU_LEAVE_RUNNING")) << msg;
    EXPECT_TRUE(contains(msg, "maybe")) << msg;
}

TEST(ConfigEnv, IntegersAreParsed) {
    TempDir dir;
    const Loaded loaded = load_from(dir, "", {{"CEDANA_CHECKPOINT_STREAMS", "8"}});
    EXPECT_EQ(loaded.config.checkpoint.streams, 8);
    EXPECT_EQ(loaded.json.at("checkpoint").at("streams"), 8);
}

TEST(ConfigEnv, BadIntegersNameVariable) {
    for (const std::string text : {"eight", "-1", "2.5", "", "true"}) {
        TempDir dir;
        const std::string msg = error_message([&] { load_from(dir, "", {{"CEDANA_CHECKPOINT_STREAMS", text}}); });
        EXPECT_TRUE(contains(msg, "CEDANA_CHECKPOINT_STREAMS")) << "value '" << text << "': " << msg;
        EXPECT_TRUE(contains(msg, "checkpoint.streams")) << "value '" << text << "': " << msg;
    }
}

TEST(ConfigEnv, JsonObjectForCriuOptions) {
    TempDir dir;
    const Loaded loaded =
        load_from(dir, "", {{"CEDANA_CRIU_OPTIONS", R"({"tcp_established": true, "ghost_limit": 10})"}});
    EXPECT_EQ(loaded.config.criu.options, json::parse(R"({"tcp_established": true, "ghost_limit": 10})"));
}

TEST(ConfigEnv, NonObjectOrMalformedCriuOptionsNameVariable) {
    for (const std::string text : {"[1,2]", "{oops", "42"}) {
        TempDir dir;
        const std::string msg = error_message([&] { load_from(dir, "", {{"CEDANA_CRIU_OPTIONS", text}}); });
        EXPECT_TRUE(contains(msg, "CEDANA_CRIU_OPTIONS")) << "value '" << text << "': " << msg;
    }
}

TEST(ConfigEnv, ChoicesAreCanonicalisedAndCheckedInEnv) {
    TempDir dir;
    const Loaded loaded = load_from(dir, "", {{"CEDANA_CHECKPOINT_COMPRESSION", "ZSTD"}, {"CEDANA_PROTOCOL", "Vsock"}});
    EXPECT_EQ(loaded.config.checkpoint.compression, "zstd");
    EXPECT_EQ(loaded.config.protocol, "vsock");

    const std::string msg = error_message([&] { load_from(dir, "", {{"CEDANA_CHECKPOINT_COMPRESSION", "rar"}}); });
    EXPECT_TRUE(contains(msg, "CEDANA_CHECKPOINT_COMPRESSION")) << msg;
    EXPECT_TRUE(contains(msg, "rar")) << msg;
}

TEST(ConfigEnv, StringsAreTakenVerbatim) {
    TempDir dir;
    const Loaded loaded = load_from(dir, "", {{"CEDANA_ADDRESS", "127.0.0.1:8080"}, {"CEDANA_CRIU_BINARY_PATH", "/opt/criu"}});
    EXPECT_EQ(loaded.config.address, "127.0.0.1:8080");
    EXPECT_EQ(loaded.config.criu.binary_path, "/opt/criu");
}

TEST(ConfigSchema, EnvNamesAndDottedNames) {
    bool found = false;
    for (const auto& field : fields()) {
        if (field.section == "criu" && field.key == "binary_path") {
            found = true;
            EXPECT_EQ(field.env_name(), "CEDANA_CRIU_BINARY_PATH");
            EXPECT_EQ(field.dotted(), "criu.binary_path");
        }
        if (field.section.empty() && field.key == "address") {
            EXPECT_EQ(field.env_name(), "CEDANA_ADDRESS");
            EXPECT_EQ(field.dotted(), "address");
        }
    }
    EXPECT_TRUE(found);
    EXPECT_EQ(fold_key("Binary_Path"), "binarypath");
    EXPECT_EQ(fold_key("BINARYPATH"), "binarypath");
}

TEST(ConfigEnv, DefaultsWithEnv) {
    const json doc = defaults_with_env({{"CEDANA_LOG_LEVEL", "ERROR"}, {"CEDANA_CRIU_LEAVE_RUNNING", "1"}});
    EXPECT_EQ(doc.at("log").at("level"), "error");
    EXPECT_EQ(doc.at("criu").at("leave_running"), true);
    EXPECT_EQ(doc.at("address"), "/run/cedana.sock");
    EXPECT_EQ(doc.at("checkpoint").at("dir"), "/tmp");
}

// ---------------------------------------------------------------------------------------------
// config_dir, with_override

TEST(ConfigDir, ExplicitThenEnvThenDefault) {
    EXPECT_EQ(config_dir(Sources{"/explicit", "", {{"CEDANA_CONFIG_DIR", "/from-env"}}}), "/explicit");
    EXPECT_EQ(config_dir(Sources{"", "", {{"CEDANA_CONFIG_DIR", "/from-env"}}}), "/from-env");
    EXPECT_EQ(config_dir(Sources{"", "", {}}), "/etc/cedana");
    EXPECT_EQ(config_dir(Sources{"", "", {{"CEDANA_CONFIG_DIR", ""}}}), "/etc/cedana");
}

TEST(ConfigDir, LoadReadsFileFromEnvConfigDir) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"dir": "/via-env-dir"}})");
    const Loaded loaded = load(Sources{"", "", {{"CEDANA_CONFIG_DIR", dir.str()}}});
    EXPECT_EQ(loaded.config.checkpoint.dir, "/via-env-dir");
    EXPECT_EQ(loaded.file, dir.file().string());
}

TEST(ConfigWithOverride, MergesOverBase) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"dir": "/base", "compression": "gzip"}})");
    const Loaded base = load_from(dir);
    const Loaded over = with_override(base.json, R"({"Checkpoint": {"Compression": "ZLIB"}, "bogus": 1})");
    EXPECT_EQ(over.config.checkpoint.compression, "zlib");
    EXPECT_EQ(over.config.checkpoint.dir, "/base");
    ASSERT_EQ(over.warnings.size(), 1U);
    EXPECT_TRUE(contains(over.warnings[0], "bogus"));
    // The base is not modified.
    EXPECT_EQ(base.json.at("checkpoint").at("compression"), "gzip");
}

TEST(ConfigWithOverride, EmptyOverrideIsTheBase) {
    const json base = defaults_with_env({{"CEDANA_CHECKPOINT_DIR", "/b"}});
    const Loaded loaded = with_override(base, "");
    EXPECT_EQ(loaded.json, base);
    EXPECT_EQ(loaded.config.checkpoint.dir, "/b");
    EXPECT_TRUE(loaded.warnings.empty());
}

TEST(ConfigWithOverride, BadValueIsAnError) {
    const json base = defaults_with_env({});
    const std::string msg = error_message([&] { with_override(base, R"({"criu": {"leave_running": "true"}})"); });
    EXPECT_TRUE(contains(msg, "criu.leave_running")) << msg;
    EXPECT_TRUE(contains(msg, "--config")) << msg;
}

// ---------------------------------------------------------------------------------------------
// The connection section: the daemon's own, never a request's

TEST(ConfigConnection, TokenComesFromCedanaAuthToken) {
    TempDir dir;
    const Loaded loaded = load_from(dir, {}, {{"CEDANA_AUTH_TOKEN", "from-the-environment"}});
    EXPECT_EQ(loaded.config.connection.auth_token, "from-the-environment");
    // Unset, the remote identity is "none", which refuses remote runs.
    EXPECT_EQ(loaded.config.connection.remote_uid, -1);
    EXPECT_EQ(loaded.config.connection.remote_gid, -1);
}

TEST(ConfigConnection, RemoteUidBelowMinusOneIsAnError) {
    TempDir dir;
    const std::string msg = error_message([&] { load_from(dir, {}, {{"CEDANA_CONNECTION_REMOTE_UID", "-2"}}); });
    EXPECT_TRUE(contains(msg, "connection.remote_uid")) << msg;
}

TEST(ConfigConnection, ARequestCannotChangeConnectionSettings) {
    const json base = defaults_with_env({{"CEDANA_CONNECTION_REMOTE_UID", "1000"}});
    for (const char* doc : {R"({"connection": {"remote_uid": 0}})", R"({"Connection": {"AuthToken": "x"}})"}) {
        try {
            with_request_override(base, doc);
            ADD_FAILURE() << "accepted " << doc;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::permission_denied) << e.what();
            EXPECT_TRUE(contains(e.what(), "connection")) << e.what();
        }
    }
    // Other sections still may be.
    EXPECT_EQ(with_request_override(base, R"({"checkpoint": {"dir": "/x"}})").config.checkpoint.dir, "/x");
    EXPECT_EQ(with_request_override(base, "").config.connection.remote_uid, 1000);
}

TEST(ConfigConnection, TheCliForwardsItsConfigWithoutTheConnectionSection) {
    EXPECT_EQ(without_fixed_section(""), "");
    EXPECT_EQ(without_fixed_section(R"({"connection": {"auth_token": "secret"}})"), "");
    const json rest = json::parse(without_fixed_section(R"({"CONNECTION": {"tls": true}, "checkpoint": {"dir": "/x"}})"));
    EXPECT_EQ(rest, json::parse(R"({"checkpoint": {"dir": "/x"}})"));
    // Untouched when there is nothing to take out, malformed included (the daemon names it).
    EXPECT_EQ(without_fixed_section(R"({"log": {"level": "debug"}})"), R"({"log": {"level": "debug"}})");
    EXPECT_EQ(without_fixed_section("{nope"), "{nope");
}

TEST(ConfigConnection, AFileHoldingTheTokenIsWrittenForItsOwnerOnly) {
    TempDir plain;
    ASSERT_TRUE(init_file(Sources{plain.str(), "", {}}));
    EXPECT_EQ(fs::status(plain.file()).permissions() & fs::perms::all, fs::perms(0644));
    TempDir secret;
    ASSERT_TRUE(init_file(Sources{secret.str(), "", {{"CEDANA_AUTH_TOKEN", "0123456789abcdef0123"}}}));
    EXPECT_EQ(fs::status(secret.file()).permissions() & fs::perms::all, fs::perms(0600));
    EXPECT_EQ(load_from(secret).config.connection.auth_token, "0123456789abcdef0123");
}

// ---------------------------------------------------------------------------------------------
// init_file, merge_env_into_file

TEST(ConfigInitFile, WritesWhenMissingAndRoundTrips) {
    TempDir dir;
    const fs::path nested = dir.path() / "sub" / "dir";
    const Sources sources{nested.string(), "", {{"CEDANA_CHECKPOINT_COMPRESSION", "lz4"}, {"CEDANA_LOG_LEVEL", "debug"}}};
    ASSERT_FALSE(fs::exists(nested / "config.json"));
    EXPECT_TRUE(init_file(sources));
    ASSERT_TRUE(fs::exists(nested / "config.json"));
    EXPECT_FALSE(fs::exists(nested / "config.json.tmp"));

    // The file parses as JSON and holds the defaults plus the environment.
    std::ifstream in(nested / "config.json");
    const json written = json::parse(in);
    EXPECT_EQ(written, defaults_with_env(sources.env));
    EXPECT_EQ(written.at("checkpoint").at("compression"), "lz4");

    // Loading it back without the environment yields the same configuration.
    const Loaded loaded = load(Sources{nested.string(), "", {}});
    EXPECT_EQ(loaded.file, (nested / "config.json").string());
    EXPECT_TRUE(loaded.warnings.empty());
    EXPECT_EQ(loaded.json, written);
    EXPECT_EQ(loaded.config.checkpoint.compression, "lz4");
    EXPECT_EQ(loaded.config.log.level, "debug");
    EXPECT_EQ(loaded.config.address, "/run/cedana.sock");
}

TEST(ConfigInitFile, DoesNotOverwriteExistingFile) {
    TempDir dir;
    const std::string original = R"({"checkpoint": {"dir": "/mine"}})";
    dir.write(original);
    EXPECT_FALSE(init_file(Sources{dir.str(), "", {{"CEDANA_CHECKPOINT_DIR", "/env"}}}));
    EXPECT_EQ(dir.read(), original);
}

TEST(ConfigMergeEnv, KeepsExistingValuesAndAddsEnv) {
    TempDir dir;
    dir.write(R"({"checkpoint": {"dir": "/mine", "compression": "gzip"}, "log": {"level": "warn"}})");
    merge_env_into_file(Sources{dir.str(), "", {{"CEDANA_PROFILING_ENABLED", "yes"}, {"CEDANA_LOG_LEVEL", "trace"}}});
    const json written = json::parse(dir.read());
    EXPECT_EQ(written.at("checkpoint").at("dir"), "/mine");
    EXPECT_EQ(written.at("checkpoint").at("compression"), "gzip");
    EXPECT_EQ(written.at("profiling").at("enabled"), true);
    EXPECT_EQ(written.at("log").at("level"), "trace");  // the environment wins over the file

    const Loaded loaded = load_from(dir);
    EXPECT_EQ(loaded.config.checkpoint.dir, "/mine");
    EXPECT_TRUE(loaded.config.profiling.enabled);
    EXPECT_EQ(loaded.config.log.level, "trace");
}

TEST(ConfigMergeEnv, CreatesFileFromDefaultsWhenMissing) {
    TempDir dir;
    merge_env_into_file(Sources{dir.str(), "", {{"CEDANA_CHECKPOINT_DIR", "/env"}}});
    ASSERT_TRUE(fs::exists(dir.file()));
    const json written = json::parse(dir.read());
    EXPECT_EQ(written, defaults_with_env({{"CEDANA_CHECKPOINT_DIR", "/env"}}));
}

TEST(ConfigMergeEnv, MalformedExistingFileIsAnErrorAndLeftAlone) {
    TempDir dir;
    const std::string original = "{broken";
    dir.write(original);
    const std::string msg = error_message([&] { merge_env_into_file(Sources{dir.str(), "", {{"CEDANA_LOG_LEVEL", "debug"}}}); });
    EXPECT_TRUE(contains(msg, "malformed JSON")) << msg;
    EXPECT_EQ(dir.read(), original);
}

// ---------------------------------------------------------------------------------------------
// set_file_field

TEST(ConfigSetFileField, CreatesTheFileFromDefaultsWithTheFieldSet) {
    TempDir dir;
    set_file_field(Sources{dir.str(), "", {{"CEDANA_AUTH_TOKEN", "0123456789abcdef0123"}}}, "plugins", "disabled", json::array({"criu"}));
    const json written = json::parse(dir.read());
    json expected = defaults_with_env({});
    expected["plugins"]["disabled"] = json::array({"criu"});
    // The environment (here a token) stays out of the file.
    EXPECT_EQ(written, expected);
    EXPECT_EQ(load_from(dir).config.plugins.disabled, std::vector<std::string>{"criu"});
    EXPECT_FALSE(fs::exists(dir.path() / "config.json.tmp"));
}

TEST(ConfigSetFileField, KeepsOtherAndUnknownKeysAndReplacesTheFilesOwnSpelling) {
    TempDir dir;
    dir.write(R"({"Plugins": {"Disabled": ["runc"], "lib_dir": "/mine"}, "future": {"x": 1}, "checkpoint": {"dir": "/ckpt"}})");
    set_file_field(Sources{dir.str(), "", {}}, "plugins", "disabled", json::array({"runc", "criu"}));
    const json written = json::parse(dir.read());
    EXPECT_EQ(written.at("Plugins").at("Disabled"), json::array({"runc", "criu"}));
    EXPECT_FALSE(written.contains("plugins"));
    EXPECT_FALSE(written.at("Plugins").contains("disabled"));
    EXPECT_EQ(written.at("Plugins").at("lib_dir"), "/mine");
    EXPECT_EQ(written.at("future"), json({{"x", 1}}));
    EXPECT_EQ(written.at("checkpoint"), json({{"dir", "/ckpt"}}));
    const Loaded loaded = load_from(dir);
    EXPECT_EQ(loaded.config.plugins.disabled, (std::vector<std::string>{"runc", "criu"}));
    EXPECT_EQ(loaded.config.checkpoint.dir, "/ckpt");
}

TEST(ConfigSetFileField, AddsAMissingSectionAndSetsTopLevelFields) {
    TempDir dir;
    dir.write(R"({"log": {"level": "debug"}})");
    set_file_field(Sources{dir.str(), "", {}}, "plugins", "disabled", json::array());
    set_file_field(Sources{dir.str(), "", {}}, "", "protocol", "TCP");
    const json written = json::parse(dir.read());
    EXPECT_EQ(written, json({{"log", {{"level", "debug"}}}, {"plugins", {{"disabled", json::array()}}}, {"protocol", "tcp"}}));
}

TEST(ConfigSetFileField, ReadsTheConfigDirFromTheEnvironment) {
    TempDir dir;
    set_file_field(Sources{"", "", {{"CEDANA_CONFIG_DIR", dir.str()}}}, "plugins", "disabled", json::array({"x"}));
    EXPECT_EQ(json::parse(dir.read()).at("plugins").at("disabled"), json::array({"x"}));
}

TEST(ConfigSetFileField, UnknownFieldOrBadValueIsAnErrorAndTheFileIsLeftAlone) {
    TempDir dir;
    const std::string original = R"({"plugins": {"disabled": ["runc"]}})";
    dir.write(original);
    const std::string unknown = error_message([&] { set_file_field(Sources{dir.str(), "", {}}, "plugins", "enabled", json::array()); });
    EXPECT_TRUE(contains(unknown, "unknown configuration field plugins.enabled")) << unknown;
    const std::string bad = error_message([&] { set_file_field(Sources{dir.str(), "", {}}, "plugins", "disabled", json::array({1})); });
    EXPECT_TRUE(contains(bad, "plugins.disabled: invalid value [1]")) << bad;
    EXPECT_TRUE(contains(bad, dir.file().string())) << bad;
    EXPECT_EQ(dir.read(), original);
}

TEST(ConfigSetFileField, MalformedOrInvalidExistingFileIsAnErrorAndLeftAlone) {
    TempDir dir;
    for (const std::string& original : {std::string("{broken"), std::string(R"({"log": {"level": "loud"}})")}) {
        dir.write(original);
        const std::string msg = error_message([&] { set_file_field(Sources{dir.str(), "", {}}, "plugins", "disabled", json::array()); });
        EXPECT_TRUE(contains(msg, dir.file().string())) << msg;
        EXPECT_EQ(dir.read(), original);
    }
}

}  // namespace
}  // namespace cedana::config
