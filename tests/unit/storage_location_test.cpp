#include <gtest/gtest.h>

#include <string>

#include "storage/location.hpp"
#include "util/error.hpp"

namespace cedana::storage {
namespace {

std::string refusal(const std::string& location) {
    try {
        check_served(location, "--dir");
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
        return e.what();
    }
    ADD_FAILURE() << location << " was accepted";
    return {};
}

TEST(SchemeOf, UrlsHaveOnePathsNone) {
    EXPECT_EQ(scheme_of("s3://bucket/prefix"), "s3");
    EXPECT_EQ(scheme_of("GS://bucket"), "gs");
    EXPECT_EQ(scheme_of("cedana://store/x"), "cedana");
    EXPECT_EQ(scheme_of("svn+ssh://host/x"), "svn+ssh");
    EXPECT_EQ(scheme_of("/tmp/s3://x"), "");
    EXPECT_EQ(scheme_of("./s3:/bucket"), "");
    EXPECT_EQ(scheme_of("s3:/bucket"), "");
    EXPECT_EQ(scheme_of("://x"), "");
    EXPECT_EQ(scheme_of("3s://x"), "");
    EXPECT_EQ(scheme_of("dir with space://x"), "");
    EXPECT_EQ(scheme_of("relative/dir"), "");
}

TEST(CheckServed, LocalPathsAlwaysPass) {
    EXPECT_NO_THROW(check_served("/tmp/checkpoints", "--dir"));
    EXPECT_NO_THROW(check_served("./s3:/bucket", "--dir"));
    EXPECT_NO_THROW(check_served("relative", "--dir"));
}

TEST(CheckServed, AnUnservedSchemeIsRefusedNamingItAndWhatIsServed) {
    for (const char* url : {"gs://b/p", "foo://bar"}) {
        const std::string msg = refusal(url);
        EXPECT_NE(msg.find(std::string("--dir ") + url), std::string::npos) << msg;
        const std::string scheme = scheme_of(url);
        EXPECT_NE(msg.find("serves " + scheme + "://"), std::string::npos) << msg;
        EXPECT_NE(msg.find("./" + scheme + ":/"), std::string::npos) << msg;
    }
}

// One test, in this order: the registry is process-wide and has no way to unregister.
TEST(CheckServed, WhatIsServedFollowsTheRegisteredSchemes) {
    if (served_schemes().empty()) {
        EXPECT_NE(refusal("s3://x").find("only local paths are served"), std::string::npos);
    }
    register_scheme("Unit-Test");
    EXPECT_NO_THROW(check_served("unit-test://bucket/x", "--dir"));
    const std::string msg = refusal("other://x");
    EXPECT_NE(msg.find("unit-test://"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(served: "), std::string::npos) << msg;
}

}  // namespace
}  // namespace cedana::storage
