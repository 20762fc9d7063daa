#pragma once
// Checksums of checkpoint image files, fast enough to run on every dump and restore.
//
// A file's checksum is XXH3-64 over the XXH3-64 digests of its 64 MiB chunks (little-endian,
// in order): chunks are hashed in parallel on every core, and a corrupted or truncated byte
// anywhere changes the result. Written as 16 hex digits.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace cedana::images {

inline constexpr std::uint64_t kChecksumChunk = 64ull << 20;

struct FileSum {
    std::uint64_t size = 0;
    std::string xxh3;

    bool operator==(const FileSum&) const = default;
};

// Every regular file directly in `dir`, except those named in `skip`, by file name.
std::map<std::string, FileSum> checksum_dir(const std::filesystem::path& dir, const std::set<std::string>& skip);

// The checksum of bytes that arrive in pieces (an image as CRIU writes it), equal to the
// one checksum_files() gives the same bytes in a file.
class StreamingChecksum {
public:
    StreamingChecksum();
    ~StreamingChecksum();
    StreamingChecksum(StreamingChecksum&&) noexcept;
    StreamingChecksum& operator=(StreamingChecksum&&) noexcept;

    void update(const void* data, std::size_t size);
    [[nodiscard]] std::uint64_t size() const { return size_; }
    // The sum of everything given so far; update() must not be called afterwards.
    [[nodiscard]] FileSum finish();

private:
    struct State;
    std::unique_ptr<State> state_;
    std::uint64_t in_chunk_ = 0;
    std::uint64_t size_ = 0;
    std::vector<std::uint64_t> digests_;
};

// A file's checksum from the digests of its chunks, in order (one digest for an empty file).
std::string combine_chunk_digests(const std::vector<std::uint64_t>& digests);

// The files of `dir` named in `names`, which must exist, on up to `threads` threads (0: one
// per core).
std::map<std::string, FileSum> checksum_files(const std::filesystem::path& dir, const std::vector<std::string>& names,
                                              unsigned threads = 0);

}  // namespace cedana::images
