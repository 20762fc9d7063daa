#pragma once
// Numbers as people read them: sizes in binary units, ages in words.

#include <cstdint>
#include <string>

namespace cedana::util {

// "0 B", "512 B", "644 KiB", "1.5 GiB"
std::string binary_size(std::uint64_t bytes);

// "just now", "2 seconds ago", "5 minutes ago", "3 days ago"
std::string age(std::int64_t seconds);

}  // namespace cedana::util
