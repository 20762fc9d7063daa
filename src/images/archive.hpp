#pragma once
// Packing a checkpoint directory into one archive file and back, in-process: tar, lz4 and
// zstd are written as a streamed archive, gzip and zlib through libarchive (zlib with our
// own codec); libarchive reads them all.

#include <filesystem>
#include <vector>

#include "images/compression.hpp"

namespace cedana::images {

// What pack() may do to the files it reads. `consume`: they are scratch (a dump's staged
// images), and the page cache behind each block is released once the block is packed, so
// the archive is written into pages just freed instead of a second gigabyte of them (a
// 1 GiB lz4 pack: 2.0-2.45 s -> 1.46-1.70 s here). Their content is gone afterwards.
enum class PackInput { keep, consume };

// The regular files of `dir`, sorted (not recursive: checkpoints are flat).
std::vector<std::filesystem::path> regular_files(const std::filesystem::path& dir);

// Writes the regular files of `dir` into `archive`, a tar stream compressed as `c` (not
// none). tar, lz4 and zstd go through StreamedArchive (lz4 and zstd compress on every core);
// gzip and zlib through libarchive. Throws cedana::Error; the caller removes a partial archive.
void pack(const std::filesystem::path& dir, const std::filesystem::path& archive, Compression c, PackInput input = PackInput::keep);

// Extracts `archive` into the existing, empty directory `dest`. Refuses, before writing
// it, any entry that is not a plain file or directory or whose name could leave `dest`
// (absolute, containing "..", a symlink or hard link, a device node, a FIFO).
void unpack(const std::filesystem::path& archive, Compression c, const std::filesystem::path& dest);

}  // namespace cedana::images
