#pragma once
// A small file (/proc entries, JSON and state files) read whole.

#include <filesystem>
#include <string>

namespace cedana::util {

// The file's bytes; empty when it cannot be read.
std::string read_text(const std::filesystem::path& path);

}  // namespace cedana::util
