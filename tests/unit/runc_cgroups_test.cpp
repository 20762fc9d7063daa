// The runc plugin's view of a container's cgroups: /proc/<pid>/cgroup lines, and a group
// renamed for a container restored under another id.

#include <gtest/gtest.h>

#include "plugins/runc/cgroups.hpp"

namespace cedana::plugins::runc {
namespace {

TEST(RuncCgroups, ParsesV1AndUnifiedLines) {
    const auto lines = parse_cgroup_file("9:name=systemd:/c1\n4:memory:/parent/c1\n2:cpu,cpuacct:/c1\n0::/c1\nbroken\n");
    ASSERT_EQ(lines.size(), 4u);
    EXPECT_EQ(lines[0].controllers, "name=systemd");
    EXPECT_EQ(lines[1].controllers, "memory");
    EXPECT_EQ(lines[1].path, "/parent/c1");
    EXPECT_EQ(lines[2].controllers, "cpu,cpuacct");
    EXPECT_EQ(lines[3].controllers, "");
    EXPECT_EQ(lines[3].path, "/c1");
}

TEST(RuncCgroups, RetargetRenamesOnlyAGroupNamedAfterTheOldId) {
    EXPECT_EQ(retarget("/parent/c1", "c1", "c2"), "/parent/c2");
    EXPECT_EQ(retarget("/sys/fs/cgroup/memory/c1", "c1", "c2"), "/sys/fs/cgroup/memory/c2");
    EXPECT_EQ(retarget("/custom", "c1", "c2"), "/custom") << "a cgroupsPath of the user's is kept";
    EXPECT_EQ(retarget("/parent/c1x", "c1", "c2"), "/parent/c1x");
    EXPECT_EQ(retarget("/parent/c1", "c1", "c1"), "/parent/c1");
}

TEST(RuncCgroups, HierarchiesAreV1MountsNamedAsProcCgroupNamesThem) {
    for (const auto& h : v1_hierarchies()) {
        EXPECT_FALSE(h.mountpoint.empty());
        EXPECT_EQ(h.mountpoint.substr(h.mountpoint.rfind('/') + 1), h.name);
        EXPECT_EQ(h.controllers.find("rw"), std::string::npos) << h.controllers;
    }
}

}  // namespace
}  // namespace cedana::plugins::runc
