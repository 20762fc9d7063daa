// Holds N MiB of touched, non-zero, poorly compressible anonymous memory, then waits; the
// benchmark checkpoints it. Prints "ready" once the memory is filled.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <unistd.h>

int main(int argc, char** argv) {
    const std::size_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1024;
    const std::size_t words = mib * (1u << 20) / sizeof(std::uint64_t);
    auto memory = std::make_unique<std::uint64_t[]>(words);
    // xorshift64*: cheap, and its output does not compress.
    std::uint64_t x = 0x9e3779b97f4a7c15ull;
    for (std::size_t i = 0; i < words; ++i) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        memory[i] = x * 0x2545f4914f6cdd1dull;
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) pause();
}
