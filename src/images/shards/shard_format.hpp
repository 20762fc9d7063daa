#pragma once
// The layout of one shard of a streamed checkpoint (`dump --streams N`): a checkpoint
// directory holding img-0 … img-<N-1>, each one byte stream compressed as the dump asked.
//
// Uncompressed, a shard is a preamble, then records, then a trailer:
//   preamble  "CDNSHRD1" | u32 index | u32 count | 16-byte id of the dump
//   record    u32 tag "FILE" | u16 name length | u16 0 | u64 offset | u64 length | u32 check | name | data
//   trailer   u32 tag "END." | u16 0 | u16 0 | u64 records | u64 data bytes | u32 check
// (little-endian). A record is `length` bytes of file `name` at `offset`: the memory images
// are cut into pieces as CRIU writes them and spread over img-1 … img-<N-1>, so the shards
// are written and read in parallel; img-0 holds every other file whole (the small images,
// CRIU's log, cedana.json). `check` is the low 32 bits of XXH3-64 over the header's bytes
// before it and the name, so a damaged header is refused instead of steering a write. The
// data's own integrity is the checkpoint's: every file's checksum is in cedana.json.
// The id ties the shards of one dump together; the trailer tells a whole shard from a cut one.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "images/compression.hpp"
#include "images/frame_format.hpp"

namespace cedana::images::shards {

inline constexpr std::size_t kPreambleSize = 32;
inline constexpr std::size_t kHeaderSize = 28;
inline constexpr std::size_t kMaxNameSize = 255;
// More would be no faster and would only multiply the open files and threads.
inline constexpr int kMaxStreams = 64;

using DumpId = std::array<unsigned char, 16>;

struct Preamble {
    std::uint32_t index = 0;
    std::uint32_t count = 0;
    DumpId id{};

    bool operator==(const Preamble&) const = default;
};

// A record's header, or the trailer's (end: offset = records, length = data bytes).
struct Header {
    bool end = false;
    std::string name;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

std::array<char, kPreambleSize> encode_preamble(const Preamble& p);
// Throws cedana::Error(invalid_argument) naming `shard` when the bytes are no preamble.
Preamble decode_preamble(std::span<const char> bytes, std::string_view shard);

// The header's bytes, name included. Throws std::invalid_argument for a name that is no
// plain file name.
std::string encode_header(const Header& h);
// The fixed part of a header: how long the name after it is. Throws cedana::Error
// (invalid_argument) naming `shard` for an unknown tag or an impossible length.
std::size_t decode_name_size(std::span<const char> fixed, std::string_view shard);
// The whole header: `fixed` (kHeaderSize bytes) and the name that followed it. Throws
// cedana::Error(invalid_argument) when the check fails or the name could leave the directory.
Header decode_header(std::span<const char> fixed, std::string_view name, std::string_view shard);

// "img-<index>" and the extension of the compression: .gz, .lz4, .zlib, .zst; none and tar
// have none.
std::string shard_name(int index, Compression c);
std::string shard_extension(Compression c);
// How a shard of compression `c` is framed (none and tar: the bytes as they are).
FrameCodec shard_codec(Compression c);
// The index of a file named like a shard of any compression ("img-3.lz4" → 3), else nullopt.
std::optional<int> shard_index(std::string_view file_name);
// The compression a shard's extension names (none for no extension: none and tar alike), or
// nullopt for an extension no shard has.
std::optional<Compression> shard_compression(std::string_view file_name);

}  // namespace cedana::images::shards
