#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <string>
#include <system_error>

#include "util/subprocess.hpp"

namespace cedana::util {
namespace {

using namespace std::chrono_literals;

TEST(Subprocess, CapturesStdoutAndStderrSeparately) {
    const auto run = run_capture({"sh", "-c", "echo to-out; echo to-err >&2; echo more-out"});
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "to-out\nmore-out\n");
    EXPECT_EQ(run.err, "to-err\n");
}

TEST(Subprocess, PassesArgumentsVerbatim) {
    const auto run = run_capture({"printf", "%s|", "a b", "", "$HOME", "*"});
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "a b||$HOME|*|");
}

TEST(Subprocess, ReportsExitStatus) {
    EXPECT_EQ(run_capture({"sh", "-c", "exit 3"}).status, 3);
    EXPECT_EQ(run_capture({"false"}).status, 1);
}

TEST(Subprocess, ReportsSignalAs128PlusNumber) {
    EXPECT_EQ(run_capture({"sh", "-c", "kill -TERM $$"}).status, 128 + 15);
}

TEST(Subprocess, GivesChildEmptyStdin) {
    // cat would block forever on an inherited terminal or pipe; /dev/null ends it at once.
    const auto run = run_capture({"cat"}, 20s);
    EXPECT_EQ(run.status, 0);
    EXPECT_EQ(run.out, "");
}

TEST(Subprocess, TimeoutKillsTheChild) {
    const auto start = std::chrono::steady_clock::now();
    const auto run = run_capture({"sleep", "30"}, 200ms);
    EXPECT_EQ(run.status, 128 + 9);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST(Subprocess, TimeoutKillsChildThatClosedItsOutput) {
    // Without output to wait on, only the exit of the child can end the wait.
    const auto start = std::chrono::steady_clock::now();
    const auto run = run_capture({"sh", "-c", "exec >&- 2>&-; exec sleep 30"}, 200ms);
    EXPECT_EQ(run.status, 128 + 9);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
}

TEST(Subprocess, MissingProgramThrows) {
    try {
        run_capture({"cedana-test-no-such-program"});
        FAIL() << "expected std::system_error";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code().value(), ENOENT);
        EXPECT_NE(std::string(e.what()).find("cedana-test-no-such-program"), std::string::npos);
    }
}

TEST(Subprocess, EmptyArgvThrows) { EXPECT_THROW(run_capture({}), std::system_error); }

TEST(Subprocess, LargeOutputOnBothStreamsDoesNotDeadlock) {
    // stderr first: a reader that drains stdout to EOF before touching stderr would leave
    // the child blocked on a full stderr pipe, and this would end in the timeout (137).
    constexpr std::size_t kSize = 3 * 1024 * 1024;
    const auto run = run_capture({"sh", "-c",
                                  "head -c 3145728 /dev/zero | tr '\\0' e >&2;"
                                  "head -c 3145728 /dev/zero | tr '\\0' o;"
                                  "head -c 3145728 /dev/zero | tr '\\0' e >&2"},
                                 60s);
    ASSERT_EQ(run.status, 0);
    EXPECT_EQ(run.out, std::string(kSize, 'o'));
    EXPECT_EQ(run.err, std::string(2 * kSize, 'e'));
}

TEST(Subprocess, LeavesNoDescriptorOpen) {
    const auto open_fds = [] {
        return std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator{});
    };
    const auto before = open_fds();
    run_capture({"sh", "-c", "echo out; echo err >&2"});
    run_capture({"sleep", "30"}, 50ms);
    EXPECT_THROW(run_capture({"cedana-test-no-such-program"}), std::system_error);
    EXPECT_EQ(open_fds(), before);
}

}  // namespace
}  // namespace cedana::util
