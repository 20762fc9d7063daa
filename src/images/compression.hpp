#pragma once
// How a checkpoint is packed: a plain directory, or a tar archive, compressed or not.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cedana::images {

enum class Compression { none, tar, gzip, lz4, zlib, zstd };

// Throws cedana::Error(invalid_argument) listing the valid names.
Compression parse_compression(const std::string& name);
std::string name_of(Compression c);
// "" for none, ".tar", ".tar.gz", ".tar.lz4", ".tar.zlib", ".tar.zst"
std::string extension(Compression c);

// The format of a checkpoint: a directory, or an archive whose first bytes are the magic of
// one of the formats and whose name ends in that format's extension. The name and the
// content must agree, so a file renamed to what it is not (x.tar.jibberish, a tar called
// .tar.gz) is refused rather than guessed at. Throws cedana::Error naming the path and what
// to do when it does not exist, is no archive, or is named for another format or none.
Compression detect(const std::filesystem::path& path);

// The format a file name's extension names (".tar.gz" → gzip), or nullopt.
std::optional<Compression> from_extension(const std::string& file_name);

}  // namespace cedana::images
