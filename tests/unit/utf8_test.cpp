#include <gtest/gtest.h>

#include <string>

#include "util/utf8.hpp"

namespace cedana::util {
namespace {

TEST(Utf8, WellFormedText) {
    EXPECT_TRUE(is_utf8(""));
    EXPECT_TRUE(is_utf8("plain ascii"));
    EXPECT_TRUE(is_utf8("caf\xc3\xa9"));
    EXPECT_TRUE(is_utf8("\xe2\x82\xac"));          // U+20AC
    EXPECT_TRUE(is_utf8("\xf0\x9f\x98\x80"));      // U+1F600
    EXPECT_TRUE(is_utf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
    EXPECT_TRUE(is_utf8(std::string("a\0b", 3)));  // NUL is a character
}

TEST(Utf8, WhatIsNot) {
    for (const std::string bad : {"\x80", "caf\xe9", "\xc3", "\xc3\x28", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf0\x80\x80\xaf",
                                  "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xe2\x82"}) {
        EXPECT_FALSE(is_utf8(bad)) << testing::PrintToString(bad);
    }
}

}  // namespace
}  // namespace cedana::util
