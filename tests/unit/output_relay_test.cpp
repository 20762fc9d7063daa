// The output relay: what is written to its pipe reaches the log, also after the writer that
// started it has let go of everything but the pipe.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "jobs/output_relay.hpp"
#include "temp_dir.hpp"

namespace cedana::jobs {
namespace {

std::string read_all(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(OutputRelay, CopiesEverythingWrittenToTheLogInOrder) {
    testing::TempDir dir;
    const auto log_path = dir.path() / "job.log";
    OutputRelay started;
    {
        util::UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        ASSERT_TRUE(log);
        started = start_output_relay(log);
    }  // the log is the relay's alone now
    util::UniqueFd& relay = started.pipe;
    std::string expected;
    for (int i = 0; i < 1000; ++i) {
        const std::string line = "line " + std::to_string(i) + "\n";
        ASSERT_EQ(::write(relay.get(), line.data(), line.size()), static_cast<ssize_t>(line.size()));
        expected += line;
    }
    relay.reset();
    // At end of file the relay has written everything and exits.
    int status = -1;
    ASSERT_EQ(::waitpid(started.pid, &status, 0), started.pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(read_all(log_path), expected);
}

}  // namespace
}  // namespace cedana::jobs
