#include "proc/fs_identity.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "util/unique_fd.hpp"

namespace {

namespace fs = std::filesystem;
using cedana::proc::FsIdentity;
using cedana::testing::TempDir;
using cedana::util::UniqueFd;

struct stat stat_of(const fs::path& path) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) throw std::runtime_error("stat " + path.string());
    return st;
}

class FsIdentityTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user";
        // Open to the other user, as a caller's own directory would be.
        fs::create_directories(dir.path() / "theirs");
        ::chmod(dir.path().c_str(), 0711);
        ::chown((dir.path() / "theirs").c_str(), 65534, 65534);
        // Root's alone.
        fs::create_directories(dir.path() / "roots");
        ::chmod((dir.path() / "roots").c_str(), 0700);
    }
    TempDir dir;
};

TEST_F(FsIdentityTest, FilesAreCreatedAsTheCallerAndRootComesBack) {
    {
        const FsIdentity as(65534, 65534);
        UniqueFd fd(::open((dir.path() / "theirs" / "log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        ASSERT_TRUE(fd) << std::strerror(errno);
    }
    const struct stat st = stat_of(dir.path() / "theirs" / "log");
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 65534u);
    UniqueFd mine(::open((dir.path() / "roots" / "log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    ASSERT_TRUE(mine) << "root's rights are back after the scope: " << std::strerror(errno);
    EXPECT_EQ(stat_of(dir.path() / "roots" / "log").st_uid, 0u);
}

TEST_F(FsIdentityTest, TheCallerCannotWriteWhereTheyMayNot) {
    const FsIdentity as(65534, 65534);
    UniqueFd fd(::open((dir.path() / "roots" / "log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    EXPECT_FALSE(fd);
    EXPECT_EQ(errno, EACCES);
}

// Only the calling thread acts as the caller: the daemon's other threads, serving other
// requests meanwhile, keep root's rights. (A thread started inside the scope would inherit
// the caller's; nothing starts one there.)
TEST_F(FsIdentityTest, OtherThreadsKeepTheirRights) {
    std::promise<void> go;
    std::future<bool> opened = std::async(std::launch::async, [&, started = go.get_future()]() mutable {
        started.wait();
        UniqueFd fd(::open((dir.path() / "roots" / "other").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
        return static_cast<bool>(fd);
    });
    const FsIdentity as(65534, 65534);
    go.set_value();
    EXPECT_TRUE(opened.get());
}

}  // namespace
