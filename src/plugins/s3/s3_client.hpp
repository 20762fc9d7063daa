#pragma once
// Requests to one S3 bucket, signed by libcurl (AWS Signature V4), with S3's quirks taken
// care of in one place: the payload left unsigned (x-amz-content-sha256: UNSIGNED-PAYLOAD,
// which libcurl does not add itself), query parameters encoded and sorted as the signature
// covers them, S3's XML errors read into a message, and bounded retries with backoff for
// what a retry can fix (no answer, 5xx, 429).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_request.hpp"
#include "plugins/s3/settings.hpp"

namespace cedana::plugins::s3 {

struct S3Call {
    std::string method = "GET";
    std::string key = {};  // empty: the bucket itself
    std::vector<std::pair<std::string, std::string>> query = {};
    std::vector<std::string> headers = {};
    std::string_view body = {};
    std::optional<std::pair<std::uint64_t, std::uint64_t>> range = {};
    std::function<void(std::string_view)> on_body = {};
};

class S3Client {
public:
    S3Client(Settings settings, std::string bucket);

    // One attempt. Throws cedana::Error(unavailable) when no answer came.
    [[nodiscard]] net::HttpResponse send(const S3Call& call) const;
    // Attempts until an answer that is not worth retrying, at most kAttempts; the last
    // answer is returned, the last transport error thrown.
    [[nodiscard]] net::HttpResponse send_retrying(const S3Call& call) const;

    // "s3://bucket/key", for messages.
    [[nodiscard]] std::string url_of(std::string_view key) const;
    // The endpoint, or "AWS S3 in <region>".
    [[nodiscard]] std::string where() const;
    [[nodiscard]] const std::string& bucket() const { return bucket_; }

    // The URL `call` goes to: path-style under an endpoint, virtual-hosted on AWS; the key
    // and the query encoded, the query sorted, as the signature covers them.
    [[nodiscard]] std::string request_url(const S3Call& call) const;

    static constexpr int kAttempts = 4;

private:
    [[nodiscard]] net::HttpRequest to_request(const S3Call& call) const;

    Settings settings_;
    std::string bucket_;
    std::string sigv4_;
    std::string credentials_;
};

// "Code: Message" of S3's XML error body, or "HTTP <status>" when it has none (HEAD).
std::string error_of(const net::HttpResponse& response);
// Just the Code, empty when none.
std::string error_code(const net::HttpResponse& response);

// What a response that is not 2xx means for `what` (an operation on `url`), as an exception:
// refused credentials, a missing bucket, or S3's own message.
[[noreturn]] void fail_response(const S3Client& client, const net::HttpResponse& response, std::string_view what, std::string_view url);

}  // namespace cedana::plugins::s3
