#include "plugins/store/request_target.hpp"


#include "util/error.hpp"
#include "util/split.hpp"
#include "util/utf8.hpp"

namespace cedana::plugins::store {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
    std::map<std::string, std::string> out;
    for (const std::string_view pair : util::split(query, '&')) {
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        const auto key = percent_decode(pair.substr(0, eq));
        const auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        if (!key || !value) fail(ErrorKind::invalid_argument, "malformed query parameter {}", pair);
        out[*key] = *value;
    }
    return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) return std::nullopt;
        const int high = hex_value(text[i + 1]);
        const int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

std::optional<RequestTarget> parse_target(std::string_view target, std::string_view prefix, bool allow_empty) {
    const auto question = target.find('?');
    std::string_view raw_path = target.substr(0, question);
    // "/v2/files/dir" names the root listing as "/v2/files/dir/" does.
    if (raw_path.size() + 1 == prefix.size() && prefix.starts_with(raw_path)) {
        raw_path = prefix;
    }
    if (!raw_path.starts_with(prefix)) return std::nullopt;
    RequestTarget out;
    if (question != std::string_view::npos) out.query = parse_query(target.substr(question + 1));
    std::string_view rest = raw_path.substr(prefix.size());
    if (rest.ends_with('/')) rest.remove_suffix(1);
    if (rest.empty()) {
        if (!allow_empty) fail(ErrorKind::invalid_argument, "no path after {}", prefix);
        return out;
    }
    for (const std::string_view raw : util::split(rest, '/')) {
        const auto segment = percent_decode(raw);
        if (!segment) fail(ErrorKind::invalid_argument, "path {}: malformed escape in {}", rest, raw);
        if (segment->empty() || *segment == "." || *segment == "..") {
            fail(ErrorKind::invalid_argument, "path {}: empty, '.' and '..' parts are refused", rest);
        }
        for (const char c : *segment) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '/') {
                fail(ErrorKind::invalid_argument, "path {}: control characters and escaped '/' are refused", rest);
            }
        }
        // The listing answers names as JSON strings, which are UTF-8.
        if (!util::is_utf8(*segment)) fail(ErrorKind::invalid_argument, "path {}: a name that is not UTF-8 is refused", rest);
        out.segments.push_back(*segment);
        out.path += out.path.empty() ? *segment : "/" + *segment;
    }
    return out;
}

}  // namespace cedana::plugins::store
