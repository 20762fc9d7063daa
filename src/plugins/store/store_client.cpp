#include "plugins/store/store_client.hpp"

#include <fmt/format.h>

#include "net/retrying.hpp"
#include "util/error.hpp"

namespace cedana::plugins::store {

std::string error_of(const net::HttpResponse& response) {
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) return doc["error"].get<std::string>();
    return fmt::format("HTTP {}", response.status);
}

net::HttpResponse StoreClient::perform_once(net::HttpRequest request) const {
    request.ca_file = ca_file_;
    return net::perform(request);
}

net::HttpResponse StoreClient::send(net::HttpRequest request, std::string_view what) const {
    request.ca_file = ca_file_;
    try {
        return net::perform_retrying(request, kAttempts);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        const std::string_view cause = e.what();
        if (cause.find("certificate") != std::string_view::npos || cause.find("SSL") != std::string_view::npos) {
            fail(ErrorKind::failed_precondition,
                 "{}: the TLS connection to the cedana store at {} failed ({}); if its certificate is its own, set connection.url_tls_ca "
                 "(CEDANA_URL_TLS_CA) to the CA that signed it",
                 what, base_, cause);
        }
        // unavailable is what the CLI reports as "the daemon cannot be reached".
        fail(ErrorKind::failed_precondition, "{}: cannot reach the cedana store at {} ({}); is `cedana store serve` running there?", what, base_, e.what());
    }
}

net::HttpResponse StoreClient::call(const std::string& method, std::string_view api, std::string_view path, std::string_view what) const {
    net::HttpRequest request;
    request.method = method;
    request.url = fmt::format("{}/v2/{}/{}", base_, api, net::uri_encode(path));
    request.headers.push_back("Authorization: Bearer " + token_);
    return send(std::move(request), what);
}

nlohmann::json StoreClient::json_of(const net::HttpResponse& response, std::string_view what) const {
    auto doc = nlohmann::json::parse(response.body, nullptr, false);
    if (doc.is_discarded()) fail(ErrorKind::failed_precondition, "{}: {} answered something other than JSON; is it a cedana store?", what, base_);
    return doc;
}

std::string StoreClient::url_in(const net::HttpResponse& response, std::string_view what) const {
    const auto doc = json_of(response, what);
    // Other stores of this API answer the URL alone, as a JSON string.
    std::string url;
    if (doc.is_string()) url = doc.get<std::string>();
    if (doc.is_object() && doc.contains("url") && doc["url"].is_string()) url = doc["url"].get<std::string>();
    if (url.empty()) fail(ErrorKind::failed_precondition, "{}: {} gave no URL", what, base_);
    // A relative URL is the store's own.
    if (url.starts_with('/')) url = base_ + url;
    return url;
}

void StoreClient::refuse(const net::HttpResponse& response, std::string_view what) const {
    if (response.status == 401) {
        fail(ErrorKind::permission_denied, "{}: the cedana store at {} refused the token ({}); set connection.auth_token (CEDANA_AUTH_TOKEN) to the token in its --token-file",
             what, base_, error_of(response));
    }
    if (response.status == 403) fail(ErrorKind::permission_denied, "{}: the cedana store at {} refused: {}", what, base_, error_of(response));
    if (response.status == 404) fail(ErrorKind::not_found, "{}: {}", what, error_of(response));
    fail(ErrorKind::failed_precondition, "{}: the cedana store at {} answered {}", what, base_, error_of(response));
}

}  // namespace cedana::plugins::store
