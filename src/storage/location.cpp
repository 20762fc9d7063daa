#include "storage/location.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "util/error.hpp"

namespace cedana::storage {

namespace {

struct Registry {
    std::mutex mutex;
    std::vector<std::string> schemes;
};

Registry& registry() {
    static Registry r;
    return r;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

// RFC 3986's scheme: a letter, then letters, digits, '+', '-' or '.'.
std::string scheme_of(std::string_view location) {
    const auto end = location.find("://");
    if (end == std::string_view::npos || end == 0) return {};
    const auto scheme = location.substr(0, end);
    if (!std::isalpha(static_cast<unsigned char>(scheme.front()))) return {};
    const bool valid = std::ranges::all_of(scheme, [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '-' || c == '.'; });
    return valid ? lower(scheme) : std::string();
}

void register_scheme(const std::string& scheme) {
    auto& r = registry();
    const std::lock_guard lock(r.mutex);
    const std::string name = lower(scheme);
    if (std::ranges::find(r.schemes, name) == r.schemes.end()) r.schemes.push_back(name);
}

std::vector<std::string> served_schemes() {
    auto& r = registry();
    const std::lock_guard lock(r.mutex);
    return r.schemes;
}

void check_served(const std::string& location, std::string_view what) {
    const std::string scheme = scheme_of(location);
    if (scheme.empty()) return;
    const auto served = served_schemes();
    if (std::ranges::find(served, scheme) != served.end()) return;
    std::vector<std::string> urls;
    for (const auto& s : served) urls.push_back(s + "://");
    fail(ErrorKind::invalid_argument,
         "{} {}: no installed storage plugin serves {}:// ({}); refused before anything was touched. A local directory whose name "
         "looks like a URL is written as a path, e.g. ./{}:/...",
         what, location, scheme, urls.empty() ? std::string("only local paths are served") : fmt::format("served: {}", fmt::join(urls, ", ")),
         scheme);
}

}  // namespace cedana::storage
