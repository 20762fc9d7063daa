#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/criu_options.hpp"
#include "util/error.hpp"

namespace cedana::engine {
namespace {

using cedana::daemon::v1::CriuFlags;
using nlohmann::json;

// The names of the fields set in `opts`.
std::vector<std::string> set_fields(const criu_opts& opts) {
    std::vector<const google::protobuf::FieldDescriptor*> fields;
    opts.GetReflection()->ListFields(opts, &fields);
    std::vector<std::string> names;
    for (const auto* f : fields) names.push_back(std::string(f->name()));
    return names;
}

template <typename F>
std::string expect_invalid(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected cedana::Error(invalid_argument)";
    return "";
}

struct FlagCase {
    const char* option;  // the criu_opts field it must set
    std::function<void(CriuFlags&)> set;
    std::function<bool(const criu_opts&)> has;
    std::function<bool(const criu_opts&)> get;
};

const std::vector<FlagCase>& flag_cases() {
    static const std::vector<FlagCase> cases = {
        {"leave_running", [](CriuFlags& f) { f.set_leave_running(true); }, [](const criu_opts& o) { return o.has_leave_running(); },
         [](const criu_opts& o) { return o.leave_running(); }},
        {"shell_job", [](CriuFlags& f) { f.set_shell_job(true); }, [](const criu_opts& o) { return o.has_shell_job(); },
         [](const criu_opts& o) { return o.shell_job(); }},
        {"tcp_established", [](CriuFlags& f) { f.set_tcp_established(true); }, [](const criu_opts& o) { return o.has_tcp_established(); },
         [](const criu_opts& o) { return o.tcp_established(); }},
        {"tcp_skip_in_flight", [](CriuFlags& f) { f.set_skip_in_flight(true); },
         [](const criu_opts& o) { return o.has_tcp_skip_in_flight(); }, [](const criu_opts& o) { return o.tcp_skip_in_flight(); }},
        {"file_locks", [](CriuFlags& f) { f.set_file_locks(true); }, [](const criu_opts& o) { return o.has_file_locks(); },
         [](const criu_opts& o) { return o.file_locks(); }},
        {"link_remap", [](CriuFlags& f) { f.set_link_remap(true); }, [](const criu_opts& o) { return o.has_link_remap(); },
         [](const criu_opts& o) { return o.link_remap(); }},
        {"tcp_close", [](CriuFlags& f) { f.set_tcp_close(true); }, [](const criu_opts& o) { return o.has_tcp_close(); },
         [](const criu_opts& o) { return o.tcp_close(); }},
        {"leave_stopped", [](CriuFlags& f) { f.set_leave_stopped(true); }, [](const criu_opts& o) { return o.has_leave_stopped(); },
         [](const criu_opts& o) { return o.leave_stopped(); }},
    };
    return cases;
}

// ---- flags ----------------------------------------------------------------------------------

TEST(CriuOptionsFlags, NoFlagsSetNothing) {
    CriuFlags flags;
    criu_opts opts;
    apply_criu_flags(flags, json::object(), opts);
    EXPECT_TRUE(set_fields(opts).empty());
    criu_opts opts2;
    apply_criu_flags(flags, json(), opts2);
    EXPECT_TRUE(set_fields(opts2).empty());
}

TEST(CriuOptionsFlags, EachFlagSetsExactlyItsOption) {
    for (const auto& c : flag_cases()) {
        CriuFlags flags;
        c.set(flags);
        criu_opts opts;
        apply_criu_flags(flags, json::object(), opts);
        EXPECT_TRUE(c.has(opts)) << c.option;
        EXPECT_TRUE(c.get(opts)) << c.option;
        EXPECT_EQ(set_fields(opts), std::vector<std::string>{c.option}) << c.option;
    }
}

TEST(CriuOptionsFlags, AllFlagsTogether) {
    CriuFlags flags;
    for (const auto& c : flag_cases()) c.set(flags);
    flags.add_external("mnt[/data]:data");
    criu_opts opts;
    apply_criu_flags(flags, json::object(), opts);
    for (const auto& c : flag_cases()) EXPECT_TRUE(c.get(opts)) << c.option;
    ASSERT_EQ(opts.external_size(), 1);
    EXPECT_EQ(opts.external(0), "mnt[/data]:data");
}

TEST(CriuOptionsFlags, ExternalIsRepeatedInOrder) {
    CriuFlags flags;
    flags.add_external("mnt[/a]:a");
    flags.add_external("net[4026531992]:extnet");
    flags.add_external("tty[88:3]");
    criu_opts opts;
    apply_criu_flags(flags, json::object(), opts);
    ASSERT_EQ(opts.external_size(), 3);
    EXPECT_EQ(opts.external(0), "mnt[/a]:a");
    EXPECT_EQ(opts.external(1), "net[4026531992]:extnet");
    EXPECT_EQ(opts.external(2), "tty[88:3]");
    EXPECT_EQ(set_fields(opts), std::vector<std::string>{"external"});
}

// ---- --criu-opts ----------------------------------------------------------------------------

TEST(CriuOptionsJson, OverridesFlags) {
    CriuFlags flags;
    flags.set_tcp_established(true);
    flags.set_shell_job(true);
    flags.set_criu_opts_json(R"({"tcp_established": false})");
    criu_opts opts;
    apply_criu_flags(flags, json::object(), opts);
    EXPECT_TRUE(opts.has_tcp_established());
    EXPECT_FALSE(opts.tcp_established());
    EXPECT_TRUE(opts.shell_job());
}

TEST(CriuOptionsJson, SetsOptionsWithoutAFlag) {
    CriuFlags flags;
    flags.set_criu_opts_json(R"({"log_level": 4, "ghost_limit": 1048576, "manage_cgroups": true, "log_file": "dump.log"})");
    criu_opts opts;
    apply_criu_flags(flags, json::object(), opts);
    EXPECT_EQ(opts.log_level(), 4);
    EXPECT_EQ(opts.ghost_limit(), 1048576u);
    EXPECT_TRUE(opts.manage_cgroups());
    EXPECT_EQ(opts.log_file(), "dump.log");
    EXPECT_FALSE(opts.has_images_dir_fd());
}

TEST(CriuOptionsJson, ExternalFromJsonIsAppendedToTheFlags) {
    CriuFlags flags;
    flags.add_external("mnt[/a]:a");
    flags.set_criu_opts_json(R"({"external": ["mnt[/b]:b"]})");
    criu_opts opts;
    apply_criu_flags(flags, json::object(), opts);
    ASSERT_EQ(opts.external_size(), 2);
    EXPECT_EQ(opts.external(0), "mnt[/a]:a");
    EXPECT_EQ(opts.external(1), "mnt[/b]:b");
}

TEST(CriuOptionsJson, CamelCaseNamesAreAccepted) {
    CriuFlags flags;
    flags.set_criu_opts_json(R"({"tcpEstablished": true, "leaveRunning": true, "tcpSkipInFlight": true, "logLevel": 2})");
    criu_opts opts;
    apply_criu_flags(flags, json::object(), opts);
    EXPECT_TRUE(opts.tcp_established());
    EXPECT_TRUE(opts.leave_running());
    EXPECT_TRUE(opts.tcp_skip_in_flight());
    EXPECT_EQ(opts.log_level(), 2);
}

TEST(CriuOptionsJson, UnknownOptionIsRefusedByName) {
    CriuFlags flags;
    flags.set_criu_opts_json(R"({"tcp_established": true, "tcp_establised": true})");
    criu_opts opts;
    const std::string message = expect_invalid([&] { apply_criu_flags(flags, json::object(), opts); });
    EXPECT_NE(message.find("\"tcp_establised\""), std::string::npos) << message;
    EXPECT_NE(message.find("--criu-opts"), std::string::npos) << message;
}

TEST(CriuOptionsJson, WrongValueTypesAreRefused) {
    for (const std::string text : {
             R"({"tcp_established": "banana"})",
             R"({"tcp_established": 1})",
             R"({"tcp_established": [true]})",
             R"({"tcp_established": {"on": true}})",
             R"({"log_level": "loud"})",
             R"({"log_level": 1.5})",
             R"({"ghost_limit": -1})",
             R"({"external": {"mnt": "a"}})",
             R"({"external": [1, 2]})",
             R"({"log_file": 42})",
         }) {
        CriuFlags flags;
        flags.set_criu_opts_json(text);
        criu_opts opts;
        const std::string message = expect_invalid([&] { apply_criu_flags(flags, json::object(), opts); });
        EXPECT_NE(message.find("--criu-opts"), std::string::npos) << text << ": " << message;
    }
}

TEST(CriuOptionsJson, MalformedJsonIsRefused) {
    for (const std::string text : {"{", "tcp_established=true", R"({"tcp_established": true,})", "{'a': 1}"}) {
        CriuFlags flags;
        flags.set_criu_opts_json(text);
        criu_opts opts;
        const std::string message = expect_invalid([&] { apply_criu_flags(flags, json::object(), opts); });
        EXPECT_NE(message.find("--criu-opts"), std::string::npos) << text << ": " << message;
        EXPECT_NE(message.find("malformed"), std::string::npos) << text << ": " << message;
    }
}

TEST(CriuOptionsJson, NonObjectIsRefused) {
    for (const std::string text : {"[1, 2]", "true", "42", R"("tcp_established")", "null"}) {
        CriuFlags flags;
        flags.set_criu_opts_json(text);
        criu_opts opts;
        const std::string message = expect_invalid([&] { apply_criu_flags(flags, json::object(), opts); });
        EXPECT_NE(message.find("--criu-opts"), std::string::npos) << text << ": " << message;
    }
}

// ---- configuration criu.options -------------------------------------------------------------

TEST(CriuOptionsConfig, AppliedWhenNothingElseIs) {
    CriuFlags flags;
    criu_opts opts;
    apply_criu_flags(flags, json{{"shell_job", true}, {"log_level", 3}}, opts);
    EXPECT_TRUE(opts.shell_job());
    EXPECT_EQ(opts.log_level(), 3);
    EXPECT_FALSE(opts.has_images_dir_fd());
}

TEST(CriuOptionsConfig, FlagsOverrideTheConfiguration) {
    CriuFlags flags;
    flags.set_tcp_established(true);
    flags.set_skip_in_flight(true);
    criu_opts opts;
    apply_criu_flags(flags, json{{"tcp_established", false}, {"tcp_skip_in_flight", false}, {"file_locks", true}, {"log_level", 4}}, opts);
    EXPECT_TRUE(opts.tcp_established());
    EXPECT_TRUE(opts.tcp_skip_in_flight());
    EXPECT_TRUE(opts.file_locks());
    EXPECT_EQ(opts.log_level(), 4);
}

TEST(CriuOptionsConfig, CriuOptsJsonOverridesTheConfiguration) {
    CriuFlags flags;
    flags.set_criu_opts_json(R"({"log_level": 1, "file_locks": false})");
    criu_opts opts;
    apply_criu_flags(flags, json{{"log_level", 4}, {"file_locks", true}, {"link_remap", true}}, opts);
    EXPECT_EQ(opts.log_level(), 1);
    EXPECT_TRUE(opts.has_file_locks());
    EXPECT_FALSE(opts.file_locks());
    EXPECT_TRUE(opts.link_remap());
}

TEST(CriuOptionsConfig, CamelCaseNamesAreAccepted) {
    CriuFlags flags;
    criu_opts opts;
    apply_criu_flags(flags, json{{"linkRemap", true}, {"tcpClose", true}}, opts);
    EXPECT_TRUE(opts.link_remap());
    EXPECT_TRUE(opts.tcp_close());
}

TEST(CriuOptionsConfig, UnknownOptionIsRefusedNamingTheConfiguration) {
    CriuFlags flags;
    criu_opts opts;
    const std::string message = expect_invalid([&] { apply_criu_flags(flags, json{{"no_such_option", 1}}, opts); });
    EXPECT_NE(message.find("\"no_such_option\""), std::string::npos) << message;
    EXPECT_NE(message.find("configuration criu.options"), std::string::npos) << message;
}

TEST(CriuOptionsConfig, WrongValueTypeIsRefused) {
    CriuFlags flags;
    criu_opts opts;
    const std::string message = expect_invalid([&] { apply_criu_flags(flags, json{{"shell_job", "sure"}}, opts); });
    EXPECT_NE(message.find("configuration criu.options"), std::string::npos) << message;
}

TEST(CriuOptionsConfig, NonObjectIsRefused) {
    for (const json& config : {json::array({1, 2}), json("tcp_established"), json(true), json(7)}) {
        CriuFlags flags;
        criu_opts opts;
        const std::string message = expect_invalid([&] { apply_criu_flags(flags, config, opts); });
        EXPECT_NE(message.find("configuration criu.options"), std::string::npos) << config.dump() << ": " << message;
    }
}

// ---- parse_criu_opts directly ---------------------------------------------------------------

TEST(CriuOptionsParse, EmptyObjectSetsNothing) { EXPECT_TRUE(set_fields(parse_criu_opts(json::object(), "test")).empty()); }

TEST(CriuOptionsParse, ImagesDirFdIsNeverTakenFromTheUser) {
    const criu_opts opts = parse_criu_opts(json{{"images_dir_fd", 5}, {"shell_job", true}}, "test");
    EXPECT_FALSE(opts.has_images_dir_fd());
    EXPECT_TRUE(opts.shell_job());
}

TEST(CriuOptionsParse, OriginIsInTheMessage) {
    const std::string message = expect_invalid([] { parse_criu_opts(json{{"bogus", true}}, "somewhere special"); });
    EXPECT_NE(message.find("somewhere special"), std::string::npos) << message;
    EXPECT_NE(message.find("\"bogus\""), std::string::npos) << message;
}

}  // namespace
}  // namespace cedana::engine
