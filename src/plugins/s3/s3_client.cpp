#include "plugins/s3/s3_client.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "net/retrying.hpp"
#include "plugins/s3/s3_replies.hpp"
#include "util/error.hpp"

namespace cedana::plugins::s3 {

S3Client::S3Client(Settings settings, std::string bucket)
    : settings_(std::move(settings)), bucket_(std::move(bucket)), sigv4_(fmt::format("aws:amz:{}:s3", settings_.region)),
      credentials_(settings_.access_key_id + ":" + settings_.secret_access_key) {}

std::string S3Client::request_url(const S3Call& call) const {
    std::string url = settings_.endpoint.empty()
                          ? fmt::format("https://{}.s3.{}.amazonaws.com/{}", bucket_, settings_.region, net::uri_encode(call.key))
                          : fmt::format("{}/{}/{}", settings_.endpoint, net::uri_encode(bucket_, false), net::uri_encode(call.key));
    auto query = call.query;
    std::ranges::sort(query);
    for (std::size_t i = 0; i < query.size(); ++i) {
        url += i == 0 ? '?' : '&';
        url += net::uri_encode(query[i].first, false) + "=" + net::uri_encode(query[i].second, false);
    }
    return url;
}

net::HttpRequest S3Client::to_request(const S3Call& call) const {
    net::HttpRequest request;
    request.method = call.method;
    request.url = request_url(call);
    request.headers = call.headers;
    request.headers.emplace_back("x-amz-content-sha256: UNSIGNED-PAYLOAD");
    request.body = call.body;
    request.range = call.range;
    request.on_body = call.on_body;
    request.aws_sigv4 = sigv4_;
    request.credentials = credentials_;
    return request;
}

net::HttpResponse S3Client::send(const S3Call& call) const { return net::perform(to_request(call)); }

net::HttpResponse S3Client::send_retrying(const S3Call& call) const { return net::perform_retrying(to_request(call), kAttempts); }

std::string S3Client::url_of(std::string_view key) const { return key.empty() ? "s3://" + bucket_ : fmt::format("s3://{}/{}", bucket_, key); }

std::string S3Client::where() const { return settings_.endpoint.empty() ? fmt::format("AWS S3 in {}", settings_.region) : settings_.endpoint; }

std::string error_code(const net::HttpResponse& response) { return parse_error(response.body).code; }

std::string error_of(const net::HttpResponse& response) {
    const auto [code, message] = parse_error(response.body);
    if (code.empty()) return fmt::format("HTTP {}", response.status);
    return message.empty() ? code : fmt::format("{}: {}", code, message);
}

void fail_response(const S3Client& client, const net::HttpResponse& response, std::string_view what, std::string_view url) {
    const std::string code = error_code(response);
    if (response.status == 403 || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "AccessDenied") {
        fail(ErrorKind::permission_denied, "{} {}: {} refused the credentials ({}); check aws.access_key_id and aws.secret_access_key", what,
             url, client.where(), error_of(response));
    }
    if (code == "NoSuchBucket" || (response.status == 404 && code.empty() && url == client.url_of(""))) {
        fail(ErrorKind::not_found, "{} {}: bucket {} does not exist at {}; create it first", what, url, client.bucket(), client.where());
    }
    if (response.status == 404) fail(ErrorKind::not_found, "{} {}: no such object at {}", what, url, client.where());
    fail(ErrorKind::failed_precondition, "{} {}: {} answered {}", what, url, client.where(), error_of(response));
}

}  // namespace cedana::plugins::s3
