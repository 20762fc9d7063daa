#pragma once
// Names that checkpoints and their indexes carry, and that are joined to a directory: only a
// plain name stays inside it. An absolute name would replace the directory (`dir / "/etc/x"`
// is "/etc/x"), "." and ".." and any "/" would leave it.

#include <cstddef>
#include <string_view>

namespace cedana::util {

inline constexpr std::size_t kMaxFileNameSize = 255;  // NAME_MAX

// Not empty, at most kMaxFileNameSize bytes, no '/' or NUL, not "." or "..".
bool is_plain_file_name(std::string_view name);

}  // namespace cedana::util
