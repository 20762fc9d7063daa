#include "net/curl_library.hpp"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "util/error.hpp"

namespace cedana::net {

namespace {

constexpr const char* kLibrary = "libcurl.so.4";

struct Loaded {
    CurlApi api{};
    std::string error;
};

template <typename Fn>
bool resolve(void* handle, const char* name, Fn& into) {
    into = reinterpret_cast<Fn>(::dlsym(handle, name));
    return into != nullptr;
}

Loaded load() {
    Loaded out;
    // Never closed: its handles live in threads' caches until the daemon exits.
    void* handle = ::dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = ::dlerror();
        out.error = why != nullptr ? why : "not found";
        return out;
    }
    CurlApi& a = out.api;
    const bool all = resolve(handle, "curl_easy_init", a.easy_init) && resolve(handle, "curl_easy_cleanup", a.easy_cleanup) &&
                     resolve(handle, "curl_easy_reset", a.easy_reset) && resolve(handle, "curl_easy_setopt", a.easy_setopt) &&
                     resolve(handle, "curl_easy_perform", a.easy_perform) && resolve(handle, "curl_easy_getinfo", a.easy_getinfo) &&
                     resolve(handle, "curl_easy_strerror", a.easy_strerror) && resolve(handle, "curl_slist_append", a.slist_append) &&
                     resolve(handle, "curl_slist_free_all", a.slist_free_all) && resolve(handle, "curl_version", a.version);
    if (!all) {
        out.error = std::string(kLibrary) + " lacks a function cedana calls";
        out.api = {};
        return out;
    }
    auto* global_init = reinterpret_cast<decltype(&curl_global_init)>(::dlsym(handle, "curl_global_init"));
    if (global_init == nullptr || global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        out.error = "curl_global_init failed";
        out.api = {};
    }
    return out;
}

const Loaded& loaded() {
    static const Loaded l = load();
    return l;
}

}  // namespace

const CurlApi& curl() {
    const Loaded& l = loaded();
    if (l.api.easy_init == nullptr) {
        fail(ErrorKind::failed_precondition, "remote storage needs libcurl ({}: {}); install it: apt-get install libcurl4", kLibrary, l.error);
    }
    return l.api;
}

const char* curl_version_or_null() {
    const Loaded& l = loaded();
    return l.api.version != nullptr ? l.api.version() : nullptr;
}

std::optional<std::string> find_libcurl() {
    const char* version = curl_version_or_null();
    if (version == nullptr) return std::nullopt;
    // "libcurl/7.88.1 OpenSSL/3.0.19 zlib/…": the rest is libcurl's own dependencies.
    const std::string text(version);
    return text.substr(0, text.find(' '));
}

}  // namespace cedana::net
