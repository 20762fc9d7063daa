#pragma once
// One HTTP request over libcurl, on a connection kept per thread so that the parts of an
// upload or the ranges of a download reuse it. Requests carry a Content-Length (never
// chunked: S3's signatures do not cover chunked bodies as libcurl sends them).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cedana::net {

struct HttpRequest {
    std::string method = "GET";
    std::string url = {};
    std::vector<std::string> headers = {};  // "Name: value"
    std::string_view body = {};
    // Bytes [first, last] of the resource.
    std::optional<std::pair<std::uint64_t, std::uint64_t>> range = {};
    // libcurl's AWS Signature V4 ("aws:amz:us-east-1:s3") with "key:secret".
    std::string aws_sigv4 = {};
    std::string credentials = {};
    // Given the body as it arrives (a download); otherwise it is kept in HttpResponse::body.
    // Only a 2xx body goes to it.
    std::function<void(std::string_view)> on_body = {};
    // A PEM file of the CAs an https server's certificate must chain to, instead of the
    // system's (a self-hosted store's own CA).
    std::string ca_file = {};
    long connect_timeout_s = 10;
    // A transfer that moves less than a byte a second for this long is broken off.
    long stall_timeout_s = 30;
};

struct HttpResponse {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // names in lower case
};

// Throws cedana::Error(unavailable) when no answer came (refused, reset, timed out), with
// libcurl's message; any answer, errors included, is returned.
HttpResponse perform(const HttpRequest& request);

// RFC 3986 percent-encoding of everything but unreserved characters (and '/' unless
// `slash`), as AWS signatures require.
std::string uri_encode(std::string_view text, bool slash = true);

}  // namespace cedana::net
