#include "net/http_request.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include <fmt/format.h>

#include "net/curl_library.hpp"
#include "util/error.hpp"

namespace cedana::net {

namespace {

// One easy handle per thread, reset before each request: it keeps the connection.
struct ThreadHandle {
    CURL* handle = nullptr;
    ~ThreadHandle() {
        if (handle != nullptr) curl().easy_cleanup(handle);
    }
};

CURL* thread_handle() {
    thread_local ThreadHandle held;
    const CurlApi& api = curl();
    if (held.handle == nullptr) {
        held.handle = api.easy_init();
        if (held.handle == nullptr) fail(ErrorKind::internal, "cannot start an HTTP transfer (curl_easy_init failed)");
    } else {
        api.easy_reset(held.handle);
    }
    return held.handle;
}

struct Headers {
    curl_slist* list = nullptr;
    ~Headers() {
        if (list != nullptr) curl().slist_free_all(list);
    }
    void add(const std::string& line) {
        curl_slist* grown = curl().slist_append(list, line.c_str());
        if (grown == nullptr) fail(ErrorKind::internal, "out of memory for HTTP headers");
        list = grown;
    }
};

struct Transfer {
    const HttpRequest* request;
    HttpResponse* response;
    std::string_view body;
    std::size_t sent = 0;
    std::exception_ptr error = {};  // thrown by on_body; rethrown after the transfer
};

std::size_t on_read(char* into, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = std::min(size * count, t->body.size() - t->sent);
    std::copy_n(t->body.data() + t->sent, n, into);
    t->sent += n;
    return n;
}

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::size_t n = size * count;
    const bool ok = t->response->status >= 200 && t->response->status < 300;
    if (t->request->on_body && ok) {
        try {
            t->request->on_body({data, n});
        } catch (...) {
            t->error = std::current_exception();
            return 0;
        }
    } else {
        t->response->body.append(data, n);
    }
    return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
        // A new response (after a 100 Continue or a redirect): its status and headers only.
        t->response->headers.clear();
        const auto space = line.find(' ');
        t->response->status = space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
        return line.size();
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return line.size();
    std::string name(line.substr(0, colon));
    std::ranges::transform(name, name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    t->response->headers[name] = std::string(value);
    return line.size();
}

}  // namespace

HttpResponse perform(const HttpRequest& request) {
    const CurlApi& api = curl();
    CURL* h = thread_handle();
    HttpResponse response;
    Transfer t{.request = &request, .response = &response, .body = request.body};
    Headers headers;
    for (const auto& line : request.headers) headers.add(line);

    api.easy_setopt(h, CURLOPT_URL, request.url.c_str());
    api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    // libcurl sends "Expect: 100-continue" with a large part and would wait a second for the
    // answer. Not waiting is the way out: an "Expect:" header to drop it would be signed
    // by CURLOPT_AWS_SIGV4 although never sent, and the server refuse the signature.
    api.easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
    api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, request.connect_timeout_s);
    // The handle is the thread's: a CA set for one request must not stay for the next.
    if (request.ca_file.empty()) {
        api.easy_setopt(h, CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    } else {
        api.easy_setopt(h, CURLOPT_CAINFO, request.ca_file.c_str());
    }
    api.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, request.stall_timeout_s);
    api.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    api.easy_setopt(h, CURLOPT_HEADERDATA, &t);
    api.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    api.easy_setopt(h, CURLOPT_WRITEDATA, &t);
    if (request.method == "HEAD") {
        api.easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT" || request.method == "POST") {
        api.easy_setopt(h, CURLOPT_UPLOAD, 1L);
        api.easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        api.easy_setopt(h, CURLOPT_READDATA, &t);
        api.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        if (request.method == "POST") api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, "POST");
    } else if (request.method != "GET") {
        api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    std::string range;
    if (request.range) {
        range = fmt::format("{}-{}", request.range->first, request.range->second);
        api.easy_setopt(h, CURLOPT_RANGE, range.c_str());
    }
    if (!request.aws_sigv4.empty()) {
        api.easy_setopt(h, CURLOPT_AWS_SIGV4, request.aws_sigv4.c_str());
        api.easy_setopt(h, CURLOPT_USERPWD, request.credentials.c_str());
    }
    api.easy_setopt(h, CURLOPT_HTTPHEADER, headers.list);

    const CURLcode code = api.easy_perform(h);
    if (t.error) std::rethrow_exception(t.error);
    if (code != CURLE_OK) fail(ErrorKind::unavailable, "{} {}: {}", request.method, request.url, api.easy_strerror(code));
    long status = 0;
    api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    response.status = status;
    return response;
}

std::string uri_encode(std::string_view text, bool slash) {
    std::string out;
    out.reserve(text.size());
    for (const unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && slash)) {
            out.push_back(static_cast<char>(c));
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

}  // namespace cedana::net
