#include <gtest/gtest.h>

#include <string>

#include "plugins/s3/s3_replies.hpp"
#include "test_errors.hpp"
#include "util/error.hpp"

namespace cedana::plugins::s3 {
namespace {

TEST(S3Replies, AListingPageWithItsContinuation) {
    const auto page = parse_list_page(
        R"(<?xml version="1.0"?><ListBucketResult><Contents><Key>p/img-0</Key><Size>12</Size></Contents>)"
        R"(<Contents><Key>p/img-1</Key><Size>0</Size></Contents><IsTruncated>true</IsTruncated>)"
        R"(<NextContinuationToken>t2</NextContinuationToken></ListBucketResult>)");
    ASSERT_EQ(page.objects.size(), 2u);
    EXPECT_EQ(page.objects[0].key, "p/img-0");
    EXPECT_EQ(page.objects[0].size, 12u);
    EXPECT_EQ(page.objects[1].size, 0u);
    EXPECT_TRUE(page.truncated);
    EXPECT_EQ(page.next_token, "t2");
}

TEST(S3Replies, SizesThatAreNoNumbersAreRefused) {
    for (const std::string size : {"", "-1", "12abc", "99999999999999999999999", " 5"}) {
        const std::string body = "<ListBucketResult><Contents><Key>k</Key><Size>" + size + "</Size></Contents></ListBucketResult>";
        const std::string message = cedana::testing::error_message([&] { (void)parse_list_page(body); }, ErrorKind::failed_precondition);
        EXPECT_NE(message.find("size of k"), std::string::npos) << size << ": " << message;
    }
}

TEST(S3Replies, WhatIsNoListingIsRefused) {
    for (const std::string body : {"", "<", "not xml", "<Error><Code>NoSuchKey</Code></Error>"}) {
        const std::string message = cedana::testing::error_message([&] { (void)parse_list_page(body); }, ErrorKind::failed_precondition);
        EXPECT_NE(message.find("no listing"), std::string::npos) << body << ": " << message;
    }
}

TEST(S3Replies, UploadIdAndErrors) {
    EXPECT_EQ(upload_id_of("<InitiateMultipartUploadResult><UploadId>u-1</UploadId></InitiateMultipartUploadResult>"), "u-1");
    EXPECT_EQ(upload_id_of("<html>"), "");
    const auto error = parse_error("<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>");
    EXPECT_EQ(error.code, "SignatureDoesNotMatch");
    EXPECT_EQ(error.message, "no");
    EXPECT_EQ(parse_error("garbage").code, "");
}

}  // namespace
}  // namespace cedana::plugins::s3
