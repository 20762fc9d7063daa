#include "plugins/store/store_service.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "net/http_request.hpp"
#include "plugins/store/request_target.hpp"
#include "util/error.hpp"

namespace cedana::plugins::store {

namespace {

using nlohmann::json;

constexpr std::string_view kFiles = "/v2/files/";
constexpr std::string_view kListing = "/v2/files/dir/";
constexpr std::string_view kUpload = "/v2/upload/";
constexpr std::string_view kDownload = "/v2/download/";
constexpr std::uint64_t kDrainLimit = 64u << 20;

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int status_of(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::invalid_argument: return 400;
    case ErrorKind::unauthenticated: return 401;
    case ErrorKind::permission_denied: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::failed_precondition: return 409;
    case ErrorKind::unimplemented: return 405;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::internal: return 500;
    }
    return 500;
}

void answer_json(HttpExchange& exchange, int status, const json& body, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    // Replaced rather than thrown: a message may quote what a client sent.
    exchange.respond(status, headers, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// "bytes FIRST-LAST/TOTAL", TOTAL or the range may be '*'.
struct ContentRange {
    std::optional<std::pair<std::uint64_t, std::uint64_t>> range;
    std::optional<std::uint64_t> total;
};

ContentRange parse_content_range(std::string_view text) {
    const auto bad = [&]() -> ContentRange {
        fail(ErrorKind::invalid_argument, "Content-Range {}: write bytes FIRST-LAST/* for a part, bytes */TOTAL to finish", text);
    };
    if (!text.starts_with("bytes ")) return bad();
    text.remove_prefix(6);
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return bad();
    ContentRange out;
    const std::string_view range = text.substr(0, slash);
    const std::string_view total = text.substr(slash + 1);
    if (total != "*") {
        out.total = number(total);
        if (!out.total) return bad();
    }
    if (range != "*") {
        const auto dash = range.find('-');
        if (dash == std::string_view::npos) return bad();
        const auto first = number(range.substr(0, dash));
        const auto last = number(range.substr(dash + 1));
        if (!first || !last || *last < *first) return bad();
        out.range = std::pair{*first, *last};
    }
    if (!out.range && !out.total) return bad();
    return out;
}

// The bytes a GET asks for out of `size`; nullopt for the whole object. Throws
// cedana::Error(invalid_argument) with 416's meaning for a range outside it.
struct Unsatisfiable {};

std::optional<std::pair<std::uint64_t, std::uint64_t>> requested_range(std::string_view header, std::uint64_t size) {
    if (header.empty()) return std::nullopt;
    if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos) {
        fail(ErrorKind::invalid_argument, "Range {}: only one range, bytes=FIRST-LAST, is served", header);
    }
    header.remove_prefix(6);
    const auto dash = header.find('-');
    if (dash == std::string_view::npos) fail(ErrorKind::invalid_argument, "Range bytes={}: not a range", header);
    const std::string_view first_text = header.substr(0, dash);
    const std::string_view last_text = header.substr(dash + 1);
    if (first_text.empty()) {  // the last N bytes
        const auto suffix = number(last_text);
        if (!suffix) fail(ErrorKind::invalid_argument, "Range bytes={}: not a range", header);
        if (*suffix == 0 || size == 0) throw Unsatisfiable{};
        return std::pair{size - std::min(*suffix, size), size - 1};
    }
    const auto first = number(first_text);
    const auto last = last_text.empty() ? std::optional<std::uint64_t>(size == 0 ? 0 : size - 1) : number(last_text);
    if (!first || !last || *last < *first) fail(ErrorKind::invalid_argument, "Range bytes={}: not a range", header);
    if (*first >= size) throw Unsatisfiable{};
    return std::pair{*first, std::min(*last, size - 1)};
}

}  // namespace

StoreService::StoreService(const std::string& dir, const std::string& token, ServiceOptions options)
    : tree_(dir), token_(token), options_(std::move(options)), signer_(UrlSigner::random()), uploads_(tree_) {}

void StoreService::handle(HttpExchange& exchange) {
    try {
        route(exchange);
    } catch (const Error& e) {
        // A client still sending a part it was refused (a URL that expired) would see the
        // connection reset rather than the answer if the server closed it mid-body: a body of
        // up to a part's size is read first and dropped.
        if (exchange.content_length().value_or(0) <= kDrainLimit) exchange.read_body([](std::string_view) {});
        answer_json(exchange, status_of(e.kind()), {{"error", e.what()}});
    }
}

void StoreService::route(HttpExchange& exchange) {
    uploads_.sweep(unix_now());
    const std::string_view target = exchange.target();
    if (target.starts_with(kUpload)) return upload(exchange);
    if (target.starts_with(kDownload)) return download(exchange);
    if (!target.starts_with(kFiles) && target.substr(0, target.find('?')) != kFiles.substr(0, kFiles.size() - 1)) {
        fail(ErrorKind::not_found, "no such API: {} (the store serves /v2/files/)", std::string(target.substr(0, target.find('?'))));
    }
    if (!token_.accepts(exchange.header("Authorization"))) {
        fail(ErrorKind::unauthenticated, "the store needs its token: send Authorization: Bearer <token> (CEDANA_AUTH_TOKEN)");
    }
    if (exchange.method() == "GET" && (target.starts_with(kListing) || target.substr(0, target.find('?')) == kListing.substr(0, kListing.size() - 1))) {
        return list(exchange);
    }
    files(exchange);
}

std::string StoreService::signed_url(const std::string& kind, const Grant& grant) const {
    std::string url = options_.public_url + "/v2/" + kind + "/" + net::uri_encode(grant.path) + "?expires=" + std::to_string(grant.expires);
    if (!grant.upload_id.empty()) url += "&upload=" + grant.upload_id;
    return url + "&sig=" + signer_.sign(grant);
}

void StoreService::list(HttpExchange& exchange) {
    const auto target = parse_target(exchange.target(), kListing, true);
    const auto names = tree_.list(*target);
    if (!names) fail(ErrorKind::not_found, "no folder {} in the store", target->path);
    answer_json(exchange, 200, *names);
}

void StoreService::files(HttpExchange& exchange) {
    const auto target = parse_target(exchange.target(), kFiles, false);
    const std::string_view method = exchange.method();
    const std::int64_t expires = unix_now() + options_.url_ttl_s;
    if (method == "PUT") {
        const std::string id = uploads_.open(*target, expires);
        const Grant grant{.action = "upload", .path = target->path, .upload_id = id, .expires = expires};
        return answer_json(exchange, 200, {{"url", signed_url("upload", grant)}, {"upload_id", id}, {"expires", expires}});
    }
    if (method == "GET") {
        auto fd = tree_.open_object(*target);
        if (!fd) fail(ErrorKind::not_found, "no file {} in the store", target->path);
        struct stat st {};
        if (::fstat(fd->get(), &st) != 0) fail(ErrorKind::internal, "cannot stat {}: {}", target->path, std::strerror(errno));
        const Grant grant{.action = "download", .path = target->path, .upload_id = {}, .expires = expires};
        return answer_json(exchange, 200, {{"url", signed_url("download", grant)}, {"size", st.st_size}, {"expires", expires}});
    }
    if (method == "DELETE") {
        if (!tree_.remove(*target)) fail(ErrorKind::not_found, "no file {} in the store", target->path);
        return exchange.respond(204, {}, "");
    }
    fail(ErrorKind::unimplemented, "{} {}: the file API takes PUT, GET and DELETE", std::string(method), target->path);
}

void StoreService::upload(HttpExchange& exchange) {
    const auto target = parse_target(exchange.target(), kUpload, false);
    const auto& query = target->query;
    const auto expires = number(query.contains("expires") ? query.at("expires") : "");
    const std::string id = query.contains("upload") ? query.at("upload") : "";
    const std::string sig = query.contains("sig") ? query.at("sig") : "";
    const Grant grant{.action = "upload", .path = target->path, .upload_id = id, .expires = static_cast<std::int64_t>(expires.value_or(0))};
    const Verdict verdict = expires ? signer_.verify(grant, sig, unix_now()) : Verdict::tampered;
    if (verdict == Verdict::tampered) {
        fail(ErrorKind::permission_denied, "the upload URL's signature does not match: it was altered, or handed out by an earlier run of the store");
    }
    if (verdict == Verdict::expired) fail(ErrorKind::permission_denied, "the upload URL expired; ask PUT /v2/files/{} for a new one", target->path);
    if (exchange.method() == "DELETE") {
        uploads_.abort(id);
        return exchange.respond(204, {}, "");
    }
    if (exchange.method() != "PUT") fail(ErrorKind::unimplemented, "an upload URL takes PUT (and DELETE to abort)");
    const auto session = uploads_.find(id);
    if (!session) fail(ErrorKind::not_found, "no such upload: it finished, was aborted, expired, or the store restarted");

    const std::string range_header = exchange.header("Content-Range");
    if (range_header.empty()) {
        std::uint64_t got = 0;
        try {
            exchange.read_body([&](std::string_view bytes) {
                uploads_.write(*session, got, bytes);
                got += bytes.size();
            });
        } catch (const ClientGone&) {
            // A whole object sent in one go is not resumed: nothing of it is kept.
            uploads_.abort(id);
            throw;
        }
        uploads_.received(*session, 0, got);
        uploads_.complete(id, got);
        return answer_json(exchange, 201, {{"size", got}});
    }
    const ContentRange range = parse_content_range(range_header);
    if (range.range) {
        // Not a structured binding: the body's lambda captures `first` (clang 14 cannot).
        const std::uint64_t first = range.range->first;
        const std::uint64_t last = range.range->second;
        const std::uint64_t length = last - first + 1;
        if (range.total && last >= *range.total) fail(ErrorKind::invalid_argument, "Content-Range {}: the part ends beyond the total", range_header);
        std::uint64_t got = 0;
        exchange.read_body([&](std::string_view bytes) {
            if (got + bytes.size() > length) fail(ErrorKind::invalid_argument, "the part is longer than its Content-Range {}", range_header);
            uploads_.write(*session, first + got, bytes);
            got += bytes.size();
        });
        if (got != length) fail(ErrorKind::invalid_argument, "the part holds {} bytes, its Content-Range {} says {}", got, range_header, length);
        uploads_.received(*session, first, last + 1);
        if (!range.total || last + 1 != *range.total) return exchange.respond(204, {}, "");
    } else {
        exchange.read_body([](std::string_view bytes) {
            if (!bytes.empty()) fail(ErrorKind::invalid_argument, "a request that finishes an upload (bytes */TOTAL) has no body");
        });
    }
    uploads_.complete(id, *range.total);
    answer_json(exchange, 201, {{"size", *range.total}});
}

void StoreService::download(HttpExchange& exchange) {
    const auto target = parse_target(exchange.target(), kDownload, false);
    const auto& query = target->query;
    const auto expires = number(query.contains("expires") ? query.at("expires") : "");
    const Grant grant{.action = "download", .path = target->path, .upload_id = {}, .expires = static_cast<std::int64_t>(expires.value_or(0))};
    const Verdict verdict = expires ? signer_.verify(grant, query.contains("sig") ? query.at("sig") : "", unix_now()) : Verdict::tampered;
    if (verdict == Verdict::tampered) {
        fail(ErrorKind::permission_denied, "the download URL's signature does not match: it was altered, or handed out by an earlier run of the store");
    }
    if (verdict == Verdict::expired) fail(ErrorKind::permission_denied, "the download URL expired; ask GET /v2/files/{} for a new one", target->path);
    const bool head = exchange.method() == "HEAD";
    if (!head && exchange.method() != "GET") fail(ErrorKind::unimplemented, "a download URL takes GET and HEAD");
    const auto fd = tree_.open_object(*target);
    if (!fd) fail(ErrorKind::not_found, "no file {} in the store", target->path);
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) fail(ErrorKind::internal, "cannot stat {}: {}", target->path, std::strerror(errno));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::optional<std::pair<std::uint64_t, std::uint64_t>> range;
    try {
        range = requested_range(exchange.header("Range"), size);
    } catch (const Unsatisfiable&) {
        return answer_json(exchange, 416, {{"error", "the range begins beyond the end of " + target->path}},
                           {{"Content-Range", "bytes */" + std::to_string(size)}});
    }
    const std::uint64_t first = range ? range->first : 0;
    const std::uint64_t length = range ? range->second - range->first + 1 : size;
    Headers headers{{"Accept-Ranges", "bytes"}, {"Content-Type", "application/octet-stream"}};
    if (range) headers.emplace_back("Content-Range", "bytes " + std::to_string(range->first) + "-" + std::to_string(range->second) + "/" + std::to_string(size));
    std::uint64_t at = first;
    exchange.respond_streamed(range ? 206 : 200, headers, length, head, [&](char* buffer, std::size_t want) -> std::size_t {
        for (;;) {
            const ssize_t n = ::pread(fd->get(), buffer, want, static_cast<off_t>(at));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(ErrorKind::internal, "cannot read {}: {}", target->path, std::strerror(errno));
            at += static_cast<std::uint64_t>(n);
            return static_cast<std::size_t>(n);
        }
    });
}

}  // namespace cedana::plugins::store
