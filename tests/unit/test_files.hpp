#pragma once
// Whole-file reads and writes for tests that compare what was written with what was expected.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace cedana::testing {

// The file's bytes; empty when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

}  // namespace cedana::testing
