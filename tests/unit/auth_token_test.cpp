#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "temp_dir.hpp"
#include "transport/auth_token.hpp"
#include "util/error.hpp"

namespace cedana::transport {
namespace {

namespace fs = std::filesystem;
using cedana::testing::TempDir;

fs::path write_token_file(const TempDir& dir, const std::string& text, mode_t mode) {
    const fs::path file = dir.path() / "token";
    {
        std::ofstream out(file, std::ios::trunc);
        out << text;
    }
    EXPECT_EQ(::chmod(file.c_str(), mode), 0);
    return file;
}

std::string error_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected an error";
    return {};
}

TEST(TokenCheck, AcceptsOnlyTheBearerOfTheExactToken) {
    const TokenCheck check("correct horse battery staple");
    EXPECT_TRUE(check.accepts(bearer("correct horse battery staple")));
    EXPECT_TRUE(check.accepts("Bearer correct horse battery staple"));
    EXPECT_FALSE(check.accepts(bearer("correct horse battery stapl")));
    EXPECT_FALSE(check.accepts(bearer("correct horse battery staple ")));
    EXPECT_FALSE(check.accepts(bearer("")));
    EXPECT_FALSE(check.accepts("correct horse battery staple"));  // no scheme
    EXPECT_FALSE(check.accepts("Basic correct horse battery staple"));
    EXPECT_FALSE(check.accepts("bearer correct horse battery staple"));
    EXPECT_FALSE(check.accepts(""));
}

TEST(LoadToken, TheConfiguredTokenWinsOverTheFile) {
    TempDir dir;
    const auto file = write_token_file(dir, "from-the-file\n", 0600);
    EXPECT_EQ(load_token("inline-token", file.string(), true), "inline-token");
    EXPECT_EQ(load_token("", file.string(), true), "from-the-file");
    EXPECT_EQ(load_token("", "", true), "");
}

TEST(LoadToken, TakesTheFirstLineWithoutItsEnding) {
    TempDir dir;
    EXPECT_EQ(load_token("", write_token_file(dir, "abc\r\nsecond line\n", 0600).string(), true), "abc");
}

TEST(LoadToken, TheDaemonRefusesAFileOthersMayRead) {
    TempDir dir;
    const auto file = write_token_file(dir, "0123456789abcdef\n", 0644);
    const std::string msg = error_of([&] { load_token("", file.string(), true); });
    EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
    EXPECT_NE(msg.find("chmod 600"), std::string::npos) << msg;
    // The CLI reads whatever its user may read.
    EXPECT_EQ(load_token("", file.string(), false), "0123456789abcdef");
}

TEST(LoadToken, AMissingOrEmptyFileIsNamed) {
    TempDir dir;
    const std::string missing = (dir.path() / "absent").string();
    EXPECT_NE(error_of([&] { load_token("", missing, false); }).find(missing), std::string::npos);
    const auto empty = write_token_file(dir, "\nsecond\n", 0600);
    EXPECT_NE(error_of([&] { load_token("", empty.string(), true); }).find("empty"), std::string::npos);
}

TEST(LoadToken, ADirectoryIsNotATokenFile) {
    TempDir dir;
    ASSERT_EQ(::chmod(dir.path().c_str(), 0700), 0);
    // Opening a directory read-only succeeds; the check is on what it is.
    EXPECT_NE(error_of([&] { load_token("", dir.path().string(), true); }).find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace cedana::transport
