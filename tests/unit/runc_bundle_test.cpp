// The runc plugin's reading of OCI bundles: what checkpoint and restore take from them, and
// the errors a bad bundle gets.

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "plugins/runc/bundle.hpp"
#include "temp_dir.hpp"
#include "util/error.hpp"

namespace cedana::plugins::runc {
namespace {

void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
}

std::string error_of(const std::string& dir) {
    try {
        load_bundle(dir);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument);
        return e.what();
    }
    ADD_FAILURE() << "load_bundle(" << dir << ") did not fail";
    return "";
}

TEST(RuncBundle, ReadsRootfsMountsNamespacesAndMaskedPaths) {
    testing::TempDir dir;
    std::filesystem::create_directory(dir.path() / "rootfs");
    write(dir.path() / "config.json", R"({
        "process": {"args": ["/bin/sh"], "terminal": true},
        "root": {"path": "rootfs"},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
                   {"destination": "/data", "type": "none", "source": "data", "options": ["rbind", "rw"]},
                   {"destination": "/etc/x", "type": "bind", "source": "/etc/hostname"}],
        "linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/proc/1/ns/net"}],
                  "maskedPaths": ["/proc/kcore"], "cgroupsPath": "/mine"}})");
    const Bundle b = load_bundle(dir.path().string());
    EXPECT_EQ(b.rootfs, dir.path() / "rootfs");
    EXPECT_TRUE(b.terminal);
    ASSERT_EQ(b.mounts.size(), 3u);
    EXPECT_FALSE(b.mounts[0].bind);
    EXPECT_TRUE(b.mounts[1].bind);
    EXPECT_EQ(b.mounts[1].source, (dir.path() / "data").string()) << "a relative bind source is relative to the bundle";
    EXPECT_TRUE(b.mounts[2].bind);
    EXPECT_EQ(b.mounts[2].source, "/etc/hostname");
    EXPECT_EQ(namespace_path(b, "network"), "/proc/1/ns/net");
    EXPECT_EQ(namespace_path(b, "pid"), "");
    EXPECT_TRUE(has_namespace(b, "pid"));
    EXPECT_FALSE(has_namespace(b, "ipc"));
    EXPECT_EQ(b.masked_paths, std::vector<std::string>{"/proc/kcore"});
    EXPECT_EQ(b.cgroups_path, "/mine");
}

TEST(RuncBundle, EachBadBundleSaysWhatIsWrong) {
    testing::TempDir dir;
    EXPECT_NE(error_of((dir.path() / "missing").string()).find("does not exist"), std::string::npos);
    EXPECT_NE(error_of(dir.path().string()).find("has no config.json"), std::string::npos);
    write(dir.path() / "config.json", "{not json");
    EXPECT_NE(error_of(dir.path().string()).find("not valid JSON"), std::string::npos);
    write(dir.path() / "config.json", R"({"process": {"args": ["/bin/sh"]}})");
    EXPECT_NE(error_of(dir.path().string()).find("no root.path"), std::string::npos);
    write(dir.path() / "config.json", R"({"process": {"args": ["/bin/sh"]}, "root": {"path": "gone"}})");
    EXPECT_NE(error_of(dir.path().string()).find("root filesystem"), std::string::npos);
    std::filesystem::create_directory(dir.path() / "rootfs");
    write(dir.path() / "config.json", R"({"process": {"args": []}, "root": {"path": "rootfs"}})");
    EXPECT_NE(error_of(dir.path().string()).find("no process.args"), std::string::npos);
    write(dir.path() / "config.json", R"({"process": {"args": ["/bin/sh"]}, "root": {"path": "rootfs"}, "mounts": {"a": 1}})");
    EXPECT_NE(error_of(dir.path().string()).find("not a valid OCI configuration"), std::string::npos);
    EXPECT_NE(error_of("").find("--bundle"), std::string::npos);
}

}  // namespace
}  // namespace cedana::plugins::runc
