#include "plugins/s3/s3_store.hpp"

#include <fmt/format.h>

#include "plugins/s3/s3_replies.hpp"
#include "plugins/s3/s3_upload.hpp"
#include "storage/resumed_read.hpp"
#include "util/error.hpp"

namespace cedana::plugins::s3 {

// Errors leave the store as failed_precondition: unavailable is what the CLI reports as "the
// daemon cannot be reached".
net::HttpResponse S3Store::call(const S3Call& request, std::string_view what, std::string_view url) const {
    try {
        return client_->send_retrying(request);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        fail(ErrorKind::failed_precondition, "{} {}: cannot reach {} ({})", what, url, client_->where(), e.what());
    }
}

void S3Store::check_access() {
    const std::string url = client_->url_of("");
    const auto response = call({.query = {{"list-type", "2"}, {"max-keys", "1"}}}, "cannot use", url);
    if (response.status != 200) fail_response(*client_, response, "cannot use", url);
}

std::unique_ptr<storage::ObjectUpload> S3Store::upload(const std::string& key) {
    try {
        return std::make_unique<S3Upload>(client_, key);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        fail(ErrorKind::failed_precondition, "cannot start the upload of {}: cannot reach {} ({})", client_->url_of(key), client_->where(),
             e.what());
    }
}

std::optional<std::uint64_t> S3Store::size_of(const std::string& key) {
    const std::string url = client_->url_of(key);
    const auto response = call({.method = "HEAD", .key = key}, "cannot look up", url);
    if (response.status == 404) return std::nullopt;
    if (response.status != 200) fail_response(*client_, response, "cannot look up", url);
    const auto length = response.headers.find("content-length");
    if (length == response.headers.end()) fail(ErrorKind::failed_precondition, "cannot look up {}: {} gave no size", url, client_->where());
    return std::stoull(length->second);
}

void S3Store::read(const std::string& key, std::uint64_t offset, std::uint64_t length, const Sink& sink) {
    const std::string url = client_->url_of(key);
    storage::read_resumed({.url = url,
                           .where = client_->where(),
                           .get = [&](std::uint64_t first, std::uint64_t last, const std::function<void(std::string_view)>& on_body) {
                               return client_->send({.key = key, .range = std::pair{first, last}, .on_body = on_body});
                           },
                           .refuse = [&](const net::HttpResponse& response) { fail_response(*client_, response, "cannot download", url); },
                           .describe = error_of},
                          offset, length, sink);
}

std::vector<storage::ObjectInfo> S3Store::list(const std::string& prefix) {
    const std::string url = client_->url_of(prefix);
    std::vector<storage::ObjectInfo> out;
    std::string token;
    // A server that answers every page with "more" (or the same token again) must not hold
    // the caller forever: S3 pages hold 1000 keys, so this is a million.
    constexpr int kMaxPages = 1000;
    for (int pages = 1;; ++pages) {
        S3Call request{.query = {{"list-type", "2"}, {"prefix", prefix}}};
        if (!token.empty()) request.query.emplace_back("continuation-token", token);
        const auto response = call(request, "cannot list", url);
        if (response.status != 200) fail_response(*client_, response, "cannot list", url);
        ListPage page;
        try {
            page = parse_list_page(response.body);
        } catch (const Error& e) {
            fail(ErrorKind::failed_precondition, "cannot list {}: {} answered something other than a listing: {}", url, client_->where(), e.what());
        }
        std::move(page.objects.begin(), page.objects.end(), std::back_inserter(out));
        if (!page.truncated) break;
        if (page.next_token.empty()) break;
        if (page.next_token == token || pages == kMaxPages) {
            fail(ErrorKind::failed_precondition, "cannot list {}: {} keeps answering that there is more (page {}); refusing the listing", url,
                 client_->where(), pages);
        }
        token = std::move(page.next_token);
    }
    return out;
}

void S3Store::remove(const std::string& key) {
    const std::string url = client_->url_of(key);
    const auto response = call({.method = "DELETE", .key = key}, "cannot delete", url);
    if (response.status / 100 != 2 && response.status != 404) fail_response(*client_, response, "cannot delete", url);
}

}  // namespace cedana::plugins::s3
