// The ordinary build's way to run the harnesses (g++, no libFuzzer): `fuzz_replay NAME
// PATH…` feeds harness NAME every file named, or found in the directories named, once. So
// the kept corpus, crash regressions included, runs with the unit tests on every machine,
// and `make fuzz` (clang) is only needed to look for new inputs. Each harness is compiled
// with its entry point renamed (tests/fuzz/CMakeLists.txt), listed in fuzz_harnesses.inc.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using Harness = int (*)(const std::uint8_t* data, std::size_t size);

#define CEDANA_FUZZ_HARNESS(name) extern "C" int cedana_fuzz_##name(const std::uint8_t*, std::size_t);
#include "fuzz_harnesses.inc"
#undef CEDANA_FUZZ_HARNESS

namespace {

struct Entry {
    const char* name;
    Harness run;
};

const Entry kHarnesses[] = {
#define CEDANA_FUZZ_HARNESS(name) {#name, cedana_fuzz_##name},
#include "fuzz_harnesses.inc"
#undef CEDANA_FUZZ_HARNESS
};

void replay(Harness run, const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
    Harness run = nullptr;
    for (const auto& h : kHarnesses) {
        if (argc > 1 && std::strcmp(argv[1], h.name) == 0) run = h.run;
    }
    if (run == nullptr) {
        std::fprintf(stderr, "usage: fuzz_replay HARNESS PATH...; the harnesses:");
        for (const auto& h : kHarnesses) std::fprintf(stderr, " %s", h.name);
        std::fprintf(stderr, "\n");
        return 2;
    }
    std::size_t inputs = 0;
    for (int i = 2; i < argc; ++i) {
        const std::filesystem::path arg = argv[i];
        if (!std::filesystem::is_directory(arg)) {
            replay(run, arg);
            ++inputs;
            continue;
        }
        for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
            if (!entry.is_regular_file()) continue;
            replay(run, entry.path());
            ++inputs;
        }
    }
    if (inputs == 0) {
        std::fprintf(stderr, "fuzz_replay: no inputs for %s in the paths given\n", argv[1]);
        return 1;
    }
    std::printf("fuzz_replay: %s: %zu inputs, no crash\n", argv[1], inputs);
    return 0;
}
