#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "util/split.hpp"

namespace cedana::util {
namespace {

using Parts = std::vector<std::string_view>;

TEST(Split, AsStdViewsSplit) {
    EXPECT_EQ(split("", '/'), Parts{});
    EXPECT_EQ(split("a", '/'), Parts{"a"});
    EXPECT_EQ(split("a/b", '/'), (Parts{"a", "b"}));
    EXPECT_EQ(split("a//b", '/'), (Parts{"a", "", "b"}));
    EXPECT_EQ(split("/a/", '/'), (Parts{"", "a", ""}));
    EXPECT_EQ(split("/", '/'), (Parts{"", ""}));
}

}  // namespace
}  // namespace cedana::util
