#pragma once
// Checksums of checkpoint image files, fast enough to run on every dump and restore.
//
// A file's checksum is XXH3-64 over the XXH3-64 digests of its 64 MiB chunks (little-endian,
// in order): chunks are hashed in parallel on every core, and a corrupted or truncated byte
// anywhere changes the result. Written as 16 hex digits.

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cedana::images {

inline constexpr std::uint64_t kChecksumChunk = 64ull << 20;

struct FileSum {
    std::uint64_t size = 0;
    std::string xxh3;
};

// Every regular file directly in `dir`, except those named in `skip`, by file name.
std::map<std::string, FileSum> checksum_dir(const std::filesystem::path& dir, const std::set<std::string>& skip);

// A file's checksum from the digests of its chunks, in order (one digest for an empty file).
std::string combine_chunk_digests(const std::vector<std::uint64_t>& digests);

// The files of `dir` named in `names`, which must exist, on up to `threads` threads (0: one
// per core).
std::map<std::string, FileSum> checksum_files(const std::filesystem::path& dir, const std::vector<std::string>& names,
                                              unsigned threads = 0);

}  // namespace cedana::images
