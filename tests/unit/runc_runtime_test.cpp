// What the user hears of a runc failure, and runc's state written for a restored container.

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "jobs/process_state.hpp"
#include "plugins/runc/container.hpp"
#include "plugins/runc/restored_state.hpp"
#include "plugins/runc/runc_log.hpp"
#include "plugins/runc/runtime.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"
#include "util/text_file.hpp"

namespace cedana::plugins::runc {
namespace {

TEST(RuncRuntime, ErrorIsTheLastErrorMessageOfRuncsLog) {
    const std::string log =
        "time=\"2026-12-01T00:00:00Z\" level=warning msg=\"ignored\"\n"
        "time=\"2026-12-01T00:00:01Z\" level=error msg=\"container_linux.go:380: starting container process caused: exec: \\\"/nope\\\": no such file\"\n";
    EXPECT_EQ(runc_error(log), "container_linux.go:380: starting container process caused: exec: \"/nope\": no such file");
    EXPECT_EQ(runc_error("plain failure\n"), "plain failure");
}

TEST(RuncRuntime, ErrorOfAJsonLogIsItsLastErrorMessageAsWritten) {
    const std::string log =
        "{\"level\":\"info\",\"msg\":\"fine\",\"time\":\"2026-12-01T00:00:00Z\"}\n"
        "{\"level\":\"error\",\"msg\":\"exec: \\\"/nope\\\": C:\\\\dir\",\"time\":\"2026-12-01T00:00:01Z\"}\n";
    EXPECT_EQ(runc_error(log), "exec: \"/nope\": C:\\dir");
}

TEST(RuncRuntime, OwnLogEntriesReadBackAsRuncsInBothFormats) {
    testing::TempDir dir;
    const auto text = (dir.path() / "text.log").string();
    append_runc_log(text, "", "info", "restored");
    append_runc_log(text, "text", "warning", "two\nlines");
    append_runc_log(text, "text", "error", "bundle \"b\" is gone");
    const std::string written = util::read_text(text);
    EXPECT_TRUE(written.starts_with("time=\"")) << written;
    EXPECT_NE(written.find(" level=info msg=\"restored\"\n"), std::string::npos) << written;
    EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 3) << "one entry a line: " << written;
    EXPECT_EQ(runc_error(written), "bundle \"b\" is gone");

    const auto json = (dir.path() / "json.log").string();
    append_runc_log(json, "json", "error", "it \"failed\"");
    const auto entry = nlohmann::json::parse(util::read_text(json));
    EXPECT_EQ(entry["level"], "error");
    EXPECT_EQ(entry["msg"], "it \"failed\"");
    EXPECT_TRUE(entry["time"].get<std::string>().ends_with("Z"));
    EXPECT_EQ(runc_error(util::read_text(json)), "it \"failed\"");

    EXPECT_THROW(append_runc_log(json, "xml", "info", "x"), Error);
    EXPECT_THROW(append_runc_log((dir.path() / "missing" / "x.log").string(), "text", "info", "x"), Error);
}

TEST(RuncRuntime, ContainerIdsRuncWouldRefuseAreRefused) {
    EXPECT_NO_THROW(check_id("web-1_a.b+c", "--id"));
    EXPECT_THROW(check_id("a/b", "--id"), Error);
    EXPECT_THROW(check_id("", "--id"), Error);
    EXPECT_THROW(check_id("..", "--id"), Error);
}

TEST(RuncRuntime, RestoredStateNamesTheNewIdPidBundleAndCgroups) {
    testing::TempDir dir;
    const nlohmann::json dumped = {
        {"id", "old"},
        {"init_process_pid", 1},
        {"config", {{"rootfs", "/elsewhere"}, {"labels", {"bundle=/elsewhere", "k=v"}}, {"cgroups", {{"name", "old"}, {"path", ""}}}}},
        {"cgroup_paths", {{"memory", "/sys/fs/cgroup/memory/p/old"}, {"", "/sys/fs/cgroup/unified/old"}}}};
    Bundle bundle;
    bundle.dir = dir.path();
    bundle.rootfs = dir.path() / "rootfs";
    const auto state = restored_state(dumped, "new", bundle, ::getpid());
    EXPECT_EQ(state["id"], "new");
    EXPECT_EQ(state["init_process_pid"], ::getpid());
    EXPECT_EQ(state["init_process_start"], jobs::start_ticks(::getpid()));
    EXPECT_EQ(state["config"]["rootfs"], bundle.rootfs.string());
    EXPECT_EQ(state["config"]["labels"], nlohmann::json({"k=v", "bundle=" + dir.path().string()}));
    EXPECT_EQ(state["config"]["cgroups"]["name"], "new");
    EXPECT_EQ(state["cgroup_paths"]["memory"], "/sys/fs/cgroup/memory/p/new");
    EXPECT_EQ(state["cgroup_paths"][""], "/sys/fs/cgroup/unified/new");
    EXPECT_EQ(state["namespace_paths"]["NEWNET"], "/proc/" + std::to_string(::getpid()) + "/ns/net");
    EXPECT_EQ(state["external_descriptors"].size(), 3u);
    EXPECT_TRUE(state["created"].get<std::string>().ends_with("Z"));
}

TEST(RuncRuntime, WrittenStateIsFoundAgainAndAProcessOfOursIsRunning) {
    testing::TempDir dir;
    const auto container_dir = dir.path() / "c1";
    std::filesystem::create_directory(container_dir);
    const nlohmann::json state = {{"id", "c1"},
                                  {"init_process_pid", ::getpid()},
                                  {"init_process_start", jobs::start_ticks(::getpid())},
                                  {"config", {{"rootfs", "/r"}, {"labels", {"bundle=/b"}}}},
                                  {"cgroup_paths", nlohmann::json::object()}};
    write_state(container_dir, state);
    const auto c = find_container(dir.path().string(), "c1");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->pid, ::getpid());
    EXPECT_EQ(c->bundle, "/b");
    EXPECT_EQ(c->rootfs, "/r");
    EXPECT_EQ(status_of(*c), "running");
    std::ofstream(container_dir / "exec.fifo");
    EXPECT_EQ(status_of(*c), "created");
    EXPECT_FALSE(find_container(dir.path().string(), "c2"));
    EXPECT_THROW(load_container(dir.path().string(), "c2"), Error);
}

}  // namespace
}  // namespace cedana::plugins::runc
