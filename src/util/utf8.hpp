#pragma once
// Whether bytes are UTF-8 text. JSON strings must be, and nlohmann::json throws when it
// serializes a string that is not: text from outside (an environment variable, a request
// path) is checked where it enters, so that no later answer or message can throw.

#include <string_view>

namespace cedana::util {

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_utf8(std::string_view text);

}  // namespace cedana::util
