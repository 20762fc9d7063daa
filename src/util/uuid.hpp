#pragma once
// Random (version 4) UUIDs, for checkpoint ids.

#include <random>
#include <string>

#include <fmt/format.h>

namespace cedana::util {

inline std::string new_uuid() {
    thread_local std::mt19937_64 random{std::random_device{}()};
    std::uint64_t hi = random();
    std::uint64_t lo = random();
    hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
    lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // RFC 4122 variant
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                       lo & 0xffffffffffffull);
}

}  // namespace cedana::util
