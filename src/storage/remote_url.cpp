
#include "storage/location.hpp"
#include "storage/object_store.hpp"
#include "util/error.hpp"
#include "util/split.hpp"

namespace cedana::storage {

std::string RemoteUrl::str() const { return key.empty() ? scheme + "://" + bucket : scheme + "://" + bucket + "/" + key; }

RemoteUrl RemoteUrl::child(std::string_view name) const {
    RemoteUrl out = *this;
    out.key = key.empty() ? std::string(name) : key + "/" + std::string(name);
    return out;
}

RemoteUrl parse_url(std::string_view url, std::string_view what) {
    RemoteUrl out;
    out.scheme = scheme_of(url);
    if (out.scheme.empty()) fail(ErrorKind::invalid_argument, "{} {}: not a URL (scheme://bucket/path)", what, url);
    std::string_view rest = url.substr(url.find("://") + 3);
    while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    const auto slash = rest.find('/');
    out.bucket = std::string(rest.substr(0, slash));
    if (out.bucket.empty()) fail(ErrorKind::invalid_argument, "{} {}: no bucket; write {}://BUCKET/PATH", what, url, out.scheme);
    if (slash == std::string_view::npos) return out;
    out.key = std::string(rest.substr(slash + 1));
    // Object stores take any key; a checkpoint's path is refused where a file system would
    // make it mean something else, so that the same names work on every provider.
    for (const std::string_view segment : util::split(out.key, '/')) {
        if (segment.empty() || segment == "." || segment == "..") {
            fail(ErrorKind::invalid_argument, "{} {}: a path of empty, '.' or '..' parts is refused", what, url);
        }
    }
    return out;
}

}  // namespace cedana::storage
