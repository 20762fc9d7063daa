#pragma once
// How a checkpoint is packed: a plain directory, or a tar archive, compressed or not.

#include <filesystem>
#include <string>
#include <vector>

namespace cedana::images {

enum class Compression { none, tar, gzip, lz4, zlib, zstd };

// Throws cedana::Error(invalid_argument) listing the valid names.
Compression parse_compression(const std::string& name);
std::string name_of(Compression c);
// "" for none, ".tar", ".tar.gz", ".tar.lz4", ".tar.zlib", ".tar.zst"
std::string extension(Compression c);

// Finds the format from the content, never from the name: a directory, or an archive whose
// first bytes are the magic of one of the formats. Throws cedana::Error naming the path when
// it does not exist or is none of them.
Compression detect(const std::filesystem::path& path);

}  // namespace cedana::images
