#include <gtest/gtest.h>

#include "storage/object_store.hpp"
#include "test_errors.hpp"

namespace cedana::storage {
namespace {

using testing::error_message;

TEST(RemoteUrl, SplitsSchemeBucketAndKey) {
    const auto url = parse_url("S3://ckpts/night/dump-1.tar.lz4", "--dir");
    EXPECT_EQ(url.scheme, "s3");
    EXPECT_EQ(url.bucket, "ckpts");
    EXPECT_EQ(url.key, "night/dump-1.tar.lz4");
    EXPECT_EQ(url.str(), "s3://ckpts/night/dump-1.tar.lz4");
}

TEST(RemoteUrl, ABucketAloneHasNoKeyAndTrailingSlashesGo) {
    const auto url = parse_url("s3://ckpts//", "--dir");
    EXPECT_EQ(url.bucket, "ckpts");
    EXPECT_EQ(url.key, "");
    EXPECT_EQ(url.str(), "s3://ckpts");
    EXPECT_EQ(url.child("x.tar").str(), "s3://ckpts/x.tar");
    EXPECT_EQ(parse_url("s3://b/p/", "--dir").child("img-0.lz4").key, "p/img-0.lz4");
}

TEST(RemoteUrl, RefusesWhatIsNotACheckpointPath) {
    EXPECT_NE(error_message([] { parse_url("/tmp/x", "--dir"); }).find("--dir /tmp/x: not a URL"), std::string::npos);
    EXPECT_NE(error_message([] { parse_url("s3:///x", "--dir"); }).find("no bucket"), std::string::npos);
    for (const char* bad : {"s3://b/a//c", "s3://b/../etc", "s3://b/a/./c"}) {
        const std::string msg = error_message([&] { parse_url(bad, "--path"); });
        EXPECT_NE(msg.find(std::string("--path ") + bad), std::string::npos) << msg;
        EXPECT_NE(msg.find("'..'"), std::string::npos) << msg;
    }
}

}  // namespace
}  // namespace cedana::storage
