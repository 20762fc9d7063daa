#include <gtest/gtest.h>

#include <string>

#include "temp_dir.hpp"
#include "test_errors.hpp"
#include "test_files.hpp"
#include "util/file_output.hpp"

namespace cedana::util {
namespace {

TEST(FileOutput, ReservedRoomIsFilledInPlace) {
    testing::TempDir tmp;
    const auto path = tmp.path() / "out";
    {
        FileOutput out(path);
        out.append("head", 4);
        const auto at = out.reserve(3);
        out.append("tail", 4);
        EXPECT_EQ(at, 4u);
        EXPECT_EQ(out.size(), 11u);
        out.fill(at + 1, "yz", 2);
        out.fill(at, "x", 1);
        out.finish();
    }
    EXPECT_EQ(testing::read_file(path), "headxyztail");
}

TEST(FileOutput, NeverReplacesAFile) {
    testing::TempDir tmp;
    testing::write_file(tmp.path() / "taken", "keep");
    const std::string msg = testing::error_message([&] { FileOutput out(tmp.path() / "taken"); }, ErrorKind::failed_precondition);
    EXPECT_NE(msg.find("taken"), std::string::npos) << msg;
    EXPECT_EQ(testing::read_file(tmp.path() / "taken"), "keep");
}

}  // namespace
}  // namespace cedana::util
