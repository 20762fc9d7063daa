#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <vector>

#include "jobs/process_state.hpp"
#include "proc/process_info.hpp"
#include "proc/process_tree.hpp"

namespace cedana::proc {
namespace {

// A child that waits in pause() until killed; reaped by the test.
pid_t paused_child() {
    const pid_t pid = ::fork();
    if (pid == 0) {
        for (;;) ::pause();
    }
    return pid;
}

TEST(ProcessExit, ARunningProcessIsNotExitingAKilledOneIs) {
    const pid_t child = paused_child();
    ASSERT_GT(child, 0);
    EXPECT_FALSE(is_exiting(child));
    EXPECT_FALSE(is_exiting(::getpid()));

    ASSERT_EQ(::kill(child, SIGKILL), 0);
    // Once the child is a zombie (waitid without reaping), it counts as exiting, and a job of
    // it is no longer running.
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
    EXPECT_TRUE(is_zombie(child));
    EXPECT_TRUE(is_exiting(child));
    EXPECT_EQ(jobs::process_state(child), "zombie");

    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(is_exiting(child)) << "a process that is gone has exited";
    EXPECT_EQ(jobs::process_state(child), "halted");
}

TEST(ProcessSession, ALeaderOfItsOwnSessionIsInItsNamespace) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    if (child == 0) {
        ::close(ready[0]);
        const char ok = ::setsid() > 0 ? '1' : '0';
        if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
        for (;;) ::pause();
    }
    ASSERT_GT(child, 0);
    ::close(ready[1]);
    char ok = 0;
    ASSERT_EQ(::read(ready[0], &ok, 1), 1);
    ::close(ready[0]);
    EXPECT_EQ(ok, '1');
    EXPECT_FALSE(session_leader_outside_namespace(child));
    ::kill(child, SIGKILL);
    ::waitpid(child, nullptr, 0);
    EXPECT_FALSE(session_leader_outside_namespace(999999)) << "no such process: nothing to refuse";
}

}  // namespace
}  // namespace cedana::proc

namespace cedana::proc {
namespace {

TEST(PidCheck, AReapedChildsPidIsFreeALiveOneIsTaken) {
    const pid_t gone = paused_child();
    ASSERT_GT(gone, 0);
    ASSERT_EQ(::kill(gone, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(gone, &status, 0), gone);
    EXPECT_EQ(wait_until_reaped({gone}, std::chrono::milliseconds(0)), std::nullopt);

    const pid_t live = paused_child();
    ASSERT_GT(live, 0);
    EXPECT_EQ(wait_until_reaped({gone, live}, std::chrono::milliseconds(0)), std::optional<int>(live));
    ASSERT_EQ(::kill(live, SIGKILL), 0);
    ASSERT_EQ(::waitpid(live, &status, 0), live);
}

TEST(PidCheck, AZombieHoldsItsPidUntilReaped) {
    const pid_t child = paused_child();
    ASSERT_GT(child, 0);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
    EXPECT_EQ(wait_until_reaped({child}, std::chrono::milliseconds(20)), std::optional<int>(child));
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_EQ(wait_until_reaped({child}, std::chrono::milliseconds(0)), std::nullopt);
}

}  // namespace
}  // namespace cedana::proc

namespace cedana::proc {
namespace {

TEST(ProcStatRss, GrowsWithTouchedMemory) {
    const auto before = read_stat(::getpid());
    ASSERT_TRUE(before);
    EXPECT_GT(before->rss_pages, 0);
    const std::size_t size = 64u << 20;
    std::vector<char> memory(size, 1);
    const auto after = read_stat(::getpid());
    ASSERT_TRUE(after);
    const long page = ::sysconf(_SC_PAGESIZE);
    EXPECT_GE(after->rss_pages - before->rss_pages, static_cast<long>(size / static_cast<std::size_t>(page)) * 9 / 10);
    EXPECT_EQ(after->session, ::getsid(0));
}

}  // namespace
}  // namespace cedana::proc
