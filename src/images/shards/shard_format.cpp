#include "images/shards/shard_format.hpp"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "util/error.hpp"
#include "util/file_name.hpp"

namespace cedana::images::shards {

namespace {

constexpr char kMagic[8] = {'C', 'D', 'N', 'S', 'H', 'R', 'D', '1'};
constexpr std::uint32_t kFileTag = 0x454c4946;  // "FILE"
constexpr std::uint32_t kEndTag = 0x2e444e45;   // "END."

template <typename T>
void put(char* at, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i) at[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

template <typename T>
T get(const char* at) {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value |= static_cast<T>(static_cast<unsigned char>(at[i])) << (8 * i);
    return value;
}

std::uint32_t check_of(const char* fixed, std::string_view name) {
    char bytes[kHeaderSize - 4 + kMaxNameSize];
    std::memcpy(bytes, fixed, kHeaderSize - 4);
    std::memcpy(bytes + kHeaderSize - 4, name.data(), std::min(name.size(), kMaxNameSize));
    return static_cast<std::uint32_t>(XXH3_64bits(bytes, kHeaderSize - 4 + std::min(name.size(), kMaxNameSize)));
}

// `ext` exactly, dot included ("" for none).
std::optional<Compression> compression_of_extension(std::string_view ext) {
    for (const Compression c : {Compression::none, Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd}) {
        if (ext == shard_extension(c)) return c;
    }
    return std::nullopt;
}

}  // namespace

std::array<char, kPreambleSize> encode_preamble(const Preamble& p) {
    std::array<char, kPreambleSize> out{};
    std::memcpy(out.data(), kMagic, sizeof kMagic);
    put<std::uint32_t>(out.data() + 8, p.index);
    put<std::uint32_t>(out.data() + 12, p.count);
    std::memcpy(out.data() + 16, p.id.data(), p.id.size());
    return out;
}

Preamble decode_preamble(std::span<const char> bytes, std::string_view shard) {
    if (bytes.size() < kPreambleSize || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
        fail(ErrorKind::invalid_argument, "shard {} is not a cedana image stream (its start is not a shard preamble)", shard);
    }
    Preamble p;
    p.index = get<std::uint32_t>(bytes.data() + 8);
    p.count = get<std::uint32_t>(bytes.data() + 12);
    std::memcpy(p.id.data(), bytes.data() + 16, p.id.size());
    if (p.count < 2 || p.count > static_cast<std::uint32_t>(kMaxStreams) || p.index >= p.count) {
        fail(ErrorKind::invalid_argument, "shard {} is corrupted: its preamble says shard {} of {}", shard, p.index, p.count);
    }
    return p;
}

std::string encode_header(const Header& h) {
    if (!h.end && !util::is_plain_file_name(h.name)) throw std::invalid_argument("shard record name is not a plain file name: " + h.name);
    if (h.end && !h.name.empty()) throw std::invalid_argument("a shard trailer has no name");
    std::string out(kHeaderSize + h.name.size(), '\0');
    put<std::uint32_t>(out.data(), h.end ? kEndTag : kFileTag);
    put<std::uint16_t>(out.data() + 4, static_cast<std::uint16_t>(h.name.size()));
    put<std::uint64_t>(out.data() + 8, h.offset);
    put<std::uint64_t>(out.data() + 16, h.length);
    std::memcpy(out.data() + kHeaderSize, h.name.data(), h.name.size());
    put<std::uint32_t>(out.data() + 24, check_of(out.data(), h.name));
    return out;
}

std::size_t decode_name_size(std::span<const char> fixed, std::string_view shard) {
    if (fixed.size() < kHeaderSize) fail(ErrorKind::invalid_argument, "shard {} is truncated: it ends inside a record header", shard);
    const auto tag = get<std::uint32_t>(fixed.data());
    const auto name_size = get<std::uint16_t>(fixed.data() + 4);
    const auto reserved = get<std::uint16_t>(fixed.data() + 6);
    const bool known = (tag == kFileTag && name_size > 0 && name_size <= kMaxNameSize) || (tag == kEndTag && name_size == 0);
    if (!known || reserved != 0) fail(ErrorKind::invalid_argument, "shard {} is corrupted: a record header is damaged", shard);
    return name_size;
}

Header decode_header(std::span<const char> fixed, std::string_view name, std::string_view shard) {
    if (decode_name_size(fixed, shard) != name.size()) throw std::logic_error("decode_header: name of the wrong size");
    if (get<std::uint32_t>(fixed.data() + 24) != check_of(fixed.data(), name)) {
        fail(ErrorKind::invalid_argument, "shard {} is corrupted: a record header fails its check", shard);
    }
    Header h;
    h.end = get<std::uint32_t>(fixed.data()) == kEndTag;
    h.offset = get<std::uint64_t>(fixed.data() + 8);
    h.length = get<std::uint64_t>(fixed.data() + 16);
    if (!h.end) {
        if (!util::is_plain_file_name(name)) fail(ErrorKind::invalid_argument, "shard {} names a file that is not a plain file name; refusing it", shard);
        h.name = std::string(name);
        if (h.offset + h.length < h.offset) fail(ErrorKind::invalid_argument, "shard {} is corrupted: a record reaches past 2^64", shard);
    }
    return h;
}

std::string shard_extension(Compression c) {
    switch (c) {
        case Compression::none:
        case Compression::tar: return "";
        case Compression::gzip: return ".gz";
        case Compression::lz4: return ".lz4";
        case Compression::zlib: return ".zlib";
        case Compression::zstd: return ".zst";
    }
    return "";
}

std::string shard_name(int index, Compression c) { return "img-" + std::to_string(index) + shard_extension(c); }

std::optional<int> shard_index(std::string_view file_name) {
    if (!file_name.starts_with("img-")) return std::nullopt;
    std::string_view rest = file_name.substr(4);
    int index = -1;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
    if (ec != std::errc() || end == rest.data() || index < 0) return std::nullopt;
    // No leading zeros: "img-01" is not shard 1.
    if (rest.front() == '0' && end - rest.data() > 1) return std::nullopt;
    if (!compression_of_extension(rest.substr(static_cast<std::size_t>(end - rest.data())))) return std::nullopt;
    return index;
}

std::optional<Compression> shard_compression(std::string_view file_name) {
    const auto dot = file_name.find('.');
    return compression_of_extension(dot == std::string_view::npos ? std::string_view() : file_name.substr(dot));
}

FrameCodec shard_codec(Compression c) {
    switch (c) {
        case Compression::none:
        case Compression::tar: return FrameCodec::none;
        case Compression::lz4: return FrameCodec::lz4;
        case Compression::zstd: return FrameCodec::zstd;
        case Compression::gzip: return FrameCodec::gzip;
        case Compression::zlib: return FrameCodec::zlib;
    }
    return FrameCodec::none;
}

}  // namespace cedana::images::shards
