#pragma once
// Splitting text at a separator, as std::views::split does (an empty text has no parts; n
// separators make n + 1 parts, empty ones included), without <ranges>: clang 14, which
// the instrumented build uses, cannot compile libstdc++ 12's split_view.

#include <string_view>
#include <vector>

namespace cedana::util {

inline std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    if (text.empty()) return parts;
    for (std::size_t start = 0;;) {
        const auto end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

}  // namespace cedana::util
