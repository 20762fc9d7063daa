// `cedana store serve` answers whoever reaches its port: request targets, headers, bodies,
// signed URLs and Content-Range parts. The input is a run of requests separated by NUL
// bytes, each "METHOD TARGET", then "Name: value" lines, an empty line and the body. A
// target "@" followed by a suffix is the path and query of the last URL the store handed
// out, with the suffix appended (so the fuzzer reaches uploads and downloads without
// guessing signatures); requests carry the store's token unless their first line ends in
// " anon". Whatever is asked, the store must answer, and write nothing outside its directory.

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_scratch.hpp"
#include "plugins/store/http_exchange.hpp"
#include "plugins/store/store_service.hpp"

namespace {

using namespace cedana::plugins::store;

constexpr std::string_view kToken = "fuzz-token-0123456789";

class Exchange : public HttpExchange {
public:
    Exchange(std::string method, std::string target, Headers headers, std::string_view body)
        : method_(std::move(method)), target_(std::move(target)), headers_(std::move(headers)), body_(body) {}

    [[nodiscard]] std::string_view method() const override { return method_; }
    [[nodiscard]] std::string_view target() const override { return target_; }
    [[nodiscard]] std::string header(std::string_view name) const override {
        for (const auto& [key, value] : headers_) {
            if (std::equal(key.begin(), key.end(), name.begin(), name.end(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
                return value;
            }
        }
        return "";
    }
    [[nodiscard]] std::optional<std::uint64_t> content_length() const override { return body_.size(); }
    void read_body(const std::function<void(std::string_view)>& sink) override {
        // In two pieces, as a body arrives over a connection.
        const std::size_t half = body_.size() / 2;
        if (half > 0) sink(body_.substr(0, half));
        sink(body_.substr(half));
    }
    void respond(int status, const Headers&, std::string body) override {
        if (answered_) throw ClientGone("answered twice");
        answered_ = true;
        status_ = status;
        body_out_ = std::move(body);
    }
    void respond_streamed(int status, const Headers&, std::uint64_t length, bool head_only,
                          const std::function<std::size_t(char*, std::size_t)>& produce) override {
        if (answered_) throw ClientGone("answered twice");
        answered_ = true;
        status_ = status;
        if (head_only) return;
        char buffer[4096];
        for (std::uint64_t sent = 0; sent < length;) {
            const std::size_t n = produce(buffer, static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buffer, length - sent)));
            if (n == 0) throw ClientGone("the store produced less than it announced");
            sent += n;
        }
    }

    [[nodiscard]] int status() const { return status_; }
    [[nodiscard]] const std::string& body_out() const { return body_out_; }

private:
    std::string method_;
    std::string target_;
    Headers headers_;
    std::string_view body_;
    bool answered_ = false;
    int status_ = 0;
    std::string body_out_;
};

// The path and query of a URL the store handed out ("http://h:1/v2/upload/a?x" → "/v2/upload/a?x").
std::string path_of(const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return url;
    const auto slash = url.find('/', scheme + 3);
    return slash == std::string::npos ? "/" : url.substr(slash);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& scratch = cedana::fuzz::Scratch::get();
    scratch.fresh();
    const auto dir = scratch.out() / "store";
    std::filesystem::create_directory(dir);
    std::optional<StoreService> service;
    try {
        service.emplace(dir.string(), std::string(kToken), ServiceOptions{.public_url = "http://127.0.0.1:1", .url_ttl_s = 60});
    } catch (const std::runtime_error&) {
        return 0;
    }
    std::string last_url = "/";
    std::string_view rest = cedana::fuzz::as_text(data, size);
    for (int requests = 0; !rest.empty() && requests < 16; ++requests) {
        const auto end = rest.find('\0');
        const std::string_view request = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);

        const auto head_end = request.find("\n\n");
        const std::string_view head = request.substr(0, head_end);
        const std::string_view body = head_end == std::string_view::npos ? std::string_view{} : request.substr(head_end + 2);
        const auto line_end = head.find('\n');
        std::string line(head.substr(0, line_end));
        Headers headers;
        if (line.ends_with(" anon")) {
            line.resize(line.size() - 5);
        } else {
            headers.emplace_back("Authorization", "Bearer " + std::string(kToken));
        }
        const auto space = line.find(' ');
        std::string method = line.substr(0, space);
        std::string target = space == std::string::npos ? "/" : line.substr(space + 1);
        if (target.starts_with('@')) target = path_of(last_url) + target.substr(1);
        for (std::string_view lines = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 1); !lines.empty();) {
            const auto nl = lines.find('\n');
            const std::string_view header = lines.substr(0, nl);
            lines = nl == std::string_view::npos ? std::string_view{} : lines.substr(nl + 1);
            const auto colon = header.find(": ");
            if (colon != std::string_view::npos) headers.emplace_back(header.substr(0, colon), header.substr(colon + 2));
        }

        Exchange exchange(std::move(method), std::move(target), std::move(headers), body);
        try {
            service->handle(exchange);
        } catch (const ClientGone&) {
        }
        if (exchange.status() == 0) std::abort();  // a request left unanswered
        const auto answer = nlohmann::json::parse(exchange.body_out(), nullptr, false);
        if (answer.is_object() && answer.contains("url") && answer["url"].is_string()) last_url = answer["url"].get<std::string>();
    }
    service.reset();
    scratch.check_contained();
    return 0;
}
