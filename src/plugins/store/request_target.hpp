#pragma once
// What a request to the store names: its path below an API prefix ("/v2/files/"), decoded
// and checked, and its query. Everything the store touches on disk comes through here, so
// this is where a path that could leave the store's directory is refused.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cedana::plugins::store {

struct RequestTarget {
    std::string path;  // "ckpts/night/dump-1.tar.lz4": no leading, trailing or doubled '/'
    std::vector<std::string> segments;
    std::map<std::string, std::string> query;
};

// "%2F" and friends decoded; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

// Splits "/v2/files/a/b?x=1" after `prefix` ("/v2/files/"). Returns nullopt when the target
// does not begin with the prefix; throws cedana::Error(invalid_argument) saying what is wrong
// with a path that does: an empty, "." or ".." segment, a control character, a malformed
// escape. An empty path is allowed only with `allow_empty` (the listing of the root).
std::optional<RequestTarget> parse_target(std::string_view target, std::string_view prefix, bool allow_empty);

}  // namespace cedana::plugins::store
