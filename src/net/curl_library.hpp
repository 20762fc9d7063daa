#pragma once
// libcurl, loaded when the first remote transfer needs it. cedana links OpenSSL statically
// (cmake/StaticLinking.cmake) and Debian ships no static libcurl that links without
// Kerberos and LDAP: linked as a shared library, libcurl would bind to the binary's OpenSSL
// and load a second one beside it. Loaded privately with dlopen, it keeps to its own, and
// commands that never touch remote storage do not pay for loading it.

#include <optional>
#include <string>

#include <curl/curl.h>

namespace cedana::net {

struct CurlApi {
    decltype(&curl_easy_init) easy_init;
    decltype(&curl_easy_cleanup) easy_cleanup;
    decltype(&curl_easy_reset) easy_reset;
    decltype(&curl_easy_setopt) easy_setopt;
    decltype(&curl_easy_perform) easy_perform;
    decltype(&curl_easy_getinfo) easy_getinfo;
    decltype(&curl_easy_strerror) easy_strerror;
    decltype(&curl_slist_append) slist_append;
    decltype(&curl_slist_free_all) slist_free_all;
    decltype(&curl_version) version;
};

// Throws cedana::Error(failed_precondition) saying what to install when libcurl is missing.
const CurlApi& curl();

// libcurl's version, or nothing when it cannot be loaded (for checks and `plugin list`).
const char* curl_version_or_null();
// "libcurl/7.88.1", or nullopt when it cannot be loaded: a plugin's requirement.
std::optional<std::string> find_libcurl();

}  // namespace cedana::net
