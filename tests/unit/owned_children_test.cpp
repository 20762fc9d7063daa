#include "util/owned_children.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

namespace {

using cedana::util::OwnedChildren;

// A child that exits at once with `code`, left as a zombie (waited for with WNOWAIT).
pid_t zombie(OwnedChildren& registry, int code, bool owned) {
    auto held = registry.hold();
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(code);
    if (pid > 0 && owned) registry.own(held, pid);
    held.unlock();
    siginfo_t info{};
    if (pid > 0) ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
    return pid;
}

TEST(OwnedChildren, ReapsOnlyZombiesNobodyOwns) {
    OwnedChildren registry;
    const pid_t mine = zombie(registry, 7, /*owned=*/true);
    const pid_t orphan = zombie(registry, 9, /*owned=*/false);
    ASSERT_GT(mine, 0);
    ASSERT_GT(orphan, 0);

    EXPECT_EQ(registry.reap_orphans(), 1);

    int status = 0;
    errno = 0;
    EXPECT_EQ(::waitpid(orphan, &status, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD) << "the orphan was reaped by the sweep";
    ASSERT_EQ(::waitpid(mine, &status, 0), mine) << "the owned child is left to its owner";
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 7);
    registry.disown(mine);
}

TEST(OwnedChildren, LeavesRunningChildrenAlone) {
    OwnedChildren registry;
    int gate[2];
    ASSERT_EQ(::pipe(gate), 0);
    const pid_t running = ::fork();
    ASSERT_GE(running, 0);
    if (running == 0) {
        ::close(gate[1]);
        char byte = 0;
        [[maybe_unused]] auto n = ::read(gate[0], &byte, 1);  // EOF when the parent lets go
        ::_exit(3);
    }
    ::close(gate[0]);
    EXPECT_EQ(registry.reap_orphans(), 0);
    ::close(gate[1]);
    int status = 0;
    ASSERT_EQ(::waitpid(running, &status, 0), running);
    EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST(OwnedChildren, DisownedChildrenAreSweptToo) {
    OwnedChildren registry;
    const pid_t pid = zombie(registry, 0, /*owned=*/true);
    ASSERT_GT(pid, 0);
    registry.disown(pid);
    EXPECT_EQ(registry.reap_orphans(), 1);
    int status = 0;
    EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
}

}  // namespace
