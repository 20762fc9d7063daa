#include <gtest/gtest.h>

#include <string>

#include "net/http_request.hpp"
#include "plugins/s3/s3_client.hpp"
#include "test_errors.hpp"

namespace cedana::plugins::s3 {
namespace {

using testing::error_message;

Settings local_endpoint() {
    return {.access_key_id = "AKID", .secret_access_key = "secret", .region = "eu-west-1", .endpoint = "http://127.0.0.1:9000"};
}

TEST(S3Request, PathStyleUnderAnEndpointWithTheQuerySortedAndEncoded) {
    const S3Client client(local_endpoint(), "ckpts");
    // libcurl signs the query as given: it must already be in the canonical order and form.
    const std::string url = client.request_url(
        {.method = "PUT", .key = "night run/dump+1.tar", .query = {{"uploadId", "a/b=c"}, {"partNumber", "7"}}});
    EXPECT_EQ(url, "http://127.0.0.1:9000/ckpts/night%20run/dump%2B1.tar?partNumber=7&uploadId=a%2Fb%3Dc");
    EXPECT_EQ(client.request_url({.query = {{"uploads", ""}}}), "http://127.0.0.1:9000/ckpts/?uploads=");
}

TEST(S3Request, VirtualHostedOnAws) {
    Settings aws = local_endpoint();
    aws.endpoint.clear();
    const S3Client client(aws, "ckpts");
    EXPECT_EQ(client.request_url({.key = "a/b"}), "https://ckpts.s3.eu-west-1.amazonaws.com/a/b");
    EXPECT_EQ(client.where(), "AWS S3 in eu-west-1");
}

TEST(S3Request, UriEncodingKeepsOnlyUnreservedCharacters) {
    EXPECT_EQ(net::uri_encode("a-Z_0.~/x y"), "a-Z_0.~/x%20y");
    EXPECT_EQ(net::uri_encode("a/b", false), "a%2Fb");
    EXPECT_EQ(net::uri_encode("\xc3\xa9"), "%C3%A9");
}

TEST(S3Errors, CodeAndMessageComeFromTheXmlBody) {
    net::HttpResponse response{.status = 403,
                               .body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we "
                                       "calculated does not match</Message></Error>",
                               .headers = {}};
    EXPECT_EQ(error_code(response), "SignatureDoesNotMatch");
    EXPECT_EQ(error_of(response), "SignatureDoesNotMatch: The request signature we calculated does not match");
    EXPECT_EQ(error_of({.status = 404, .body = "", .headers = {}}), "HTTP 404");
    EXPECT_EQ(error_of({.status = 500, .body = "<Error><Code", .headers = {}}), "HTTP 500");
}

TEST(S3Errors, EachFailureSaysWhatToDo) {
    const S3Client client(local_endpoint(), "ckpts");
    const auto message = [&](long status, const std::string& code, ErrorKind kind, const std::string& url) {
        const net::HttpResponse response{.status = status, .body = code.empty() ? "" : "<Error><Code>" + code + "</Code></Error>", .headers = {}};
        return error_message([&] { fail_response(client, response, "cannot use", url); }, kind);
    };
    const std::string denied = message(403, "InvalidAccessKeyId", ErrorKind::permission_denied, "s3://ckpts");
    EXPECT_NE(denied.find("cannot use s3://ckpts: http://127.0.0.1:9000 refused the credentials"), std::string::npos) << denied;
    EXPECT_NE(denied.find("aws.secret_access_key"), std::string::npos) << denied;
    const std::string missing = message(404, "NoSuchBucket", ErrorKind::not_found, "s3://ckpts/x");
    EXPECT_NE(missing.find("bucket ckpts does not exist at http://127.0.0.1:9000; create it first"), std::string::npos) << missing;
    const std::string object = message(404, "", ErrorKind::not_found, "s3://ckpts/x");
    EXPECT_NE(object.find("no such object"), std::string::npos) << object;
    const std::string busy = message(503, "SlowDown", ErrorKind::failed_precondition, "s3://ckpts/x");
    EXPECT_NE(busy.find("answered SlowDown"), std::string::npos) << busy;
}

}  // namespace
}  // namespace cedana::plugins::s3
