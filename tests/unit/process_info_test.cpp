#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobs/process_state.hpp"
#include "proc/process_info.hpp"

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
