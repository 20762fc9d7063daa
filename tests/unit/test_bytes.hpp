#pragma once
// Reproducible, incompressible test data.

#include <cstdint>
#include <random>
#include <string>

namespace cedana::testing {

// `size` bytes from a 64-bit Mersenne Twister seeded with `seed`.
inline std::string random_bytes(std::size_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; i += 8) {
        const std::uint64_t v = rng();
        for (std::size_t b = 0; b < 8 && i + b < size; ++b) out[i + b] = static_cast<char>(v >> (8 * b));
    }
    return out;
}

}  // namespace cedana::testing
