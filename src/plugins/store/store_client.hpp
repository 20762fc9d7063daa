#pragma once
// Calls to a cedana store's file API (store_service.hpp) at connection.url with the bearer
// token, retried with backoff where a retry can help, and the store's JSON errors read into
// messages that name the store and what to do.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "net/http_request.hpp"

namespace cedana::plugins::store {

class StoreClient {
public:
    static constexpr int kAttempts = 4;

    StoreClient(std::string base_url, std::string token, std::string ca_file = {})
        : base_(std::move(base_url)), token_(std::move(token)), ca_file_(std::move(ca_file)) {}

    // `method` on /v2/<api>/<path>, the path percent-encoded. Throws
    // cedana::Error(failed_precondition) naming the store when it cannot be reached.
    [[nodiscard]] net::HttpResponse call(const std::string& method, std::string_view api, std::string_view path, std::string_view what) const;
    // A request to a URL the store handed out (no token), retried; the same errors.
    [[nodiscard]] net::HttpResponse send(net::HttpRequest request, std::string_view what) const;

    // The URL an answer of PUT or GET /v2/files/ gives.
    [[nodiscard]] std::string url_in(const net::HttpResponse& response, std::string_view what) const;
    [[nodiscard]] nlohmann::json json_of(const net::HttpResponse& response, std::string_view what) const;

    // Throws the cedana::Error an unwanted answer means: 401 a token to set, 404 not found, …
    [[noreturn]] void refuse(const net::HttpResponse& response, std::string_view what) const;

    [[nodiscard]] const std::string& where() const { return base_; }
    // A request to the store or a URL it handed out, sent once (no retries: a ranged read
    // resumes by itself), with the store's CA. Throws what net::perform throws.
    [[nodiscard]] net::HttpResponse perform_once(net::HttpRequest request) const;

private:
    std::string base_;
    std::string token_;
    std::string ca_file_;
};

// The store's error message in an answer, or "HTTP <status>".
std::string error_of(const net::HttpResponse& response);

}  // namespace cedana::plugins::store
