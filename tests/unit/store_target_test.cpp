#include <gtest/gtest.h>

#include "plugins/store/request_target.hpp"
#include "test_errors.hpp"

namespace cedana::plugins::store {
namespace {

using testing::error_message;

TEST(StoreRequestTarget, DecodesThePathAndTheQuery) {
    const auto t = parse_target("/v2/files/ckpts/night%20run/x.tar?expires=12&sig=ab%2Fc", "/v2/files/", false);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->path, "ckpts/night run/x.tar");
    EXPECT_EQ(t->segments, (std::vector<std::string>{"ckpts", "night run", "x.tar"}));
    EXPECT_EQ(t->query.at("expires"), "12");
    EXPECT_EQ(t->query.at("sig"), "ab/c");
}

TEST(StoreRequestTarget, OtherPrefixesAreNotIt) {
    EXPECT_FALSE(parse_target("/v2/upload/a", "/v2/files/", false));
    EXPECT_FALSE(parse_target("/v2/filesx/a", "/v2/files/", false));
}

TEST(StoreRequestTarget, TheRootListingMayBeEmpty) {
    for (const char* target : {"/v2/files/dir/", "/v2/files/dir"}) {
        const auto t = parse_target(target, "/v2/files/dir/", true);
        ASSERT_TRUE(t) << target;
        EXPECT_TRUE(t->segments.empty());
    }
    EXPECT_NE(error_message([] { (void)parse_target("/v2/files/", "/v2/files/", false); }).find("no path"), std::string::npos);
}

TEST(StoreRequestTarget, RefusesPathsThatCouldLeaveTheStore) {
    for (const char* target : {"/v2/files/a/../../etc/passwd", "/v2/files/a/%2e%2e/b", "/v2/files/./a", "/v2/files/a//b", "/v2/files/a/%2Fetc",
                               "/v2/files/a%00b", "/v2/files/a%0ab", "/v2/files/a%zz", "/v2/files/a%2"}) {
        const std::string message = error_message([&] { (void)parse_target(target, "/v2/files/", false); });
        EXPECT_NE(message.find("path"), std::string::npos) << target << ": " << message;
    }
}

// The listing answers names as JSON strings: a name that is not UTF-8 could not be listed.
TEST(StoreRequestTarget, RefusesNamesThatAreNotUtf8) {
    for (const char* target : {"/v2/files/caf\xe9", "/v2/files/a/%C3%28", "/v2/files/%ED%A0%80", "/v2/files/%F5%80%80%80"}) {
        const std::string message = error_message([&] { (void)parse_target(target, "/v2/files/", false); });
        EXPECT_NE(message.find("not UTF-8"), std::string::npos) << target << ": " << message;
    }
    EXPECT_EQ(parse_target("/v2/files/caf%C3%A9", "/v2/files/", false)->path, "caf\xc3\xa9");
}

TEST(StoreRequestTarget, PercentDecoding) {
    EXPECT_EQ(percent_decode("a%41%6a"), "aAj");
    EXPECT_FALSE(percent_decode("%4"));
    EXPECT_FALSE(percent_decode("%g1"));
    EXPECT_EQ(percent_decode(""), "");
}

}  // namespace
}  // namespace cedana::plugins::store
