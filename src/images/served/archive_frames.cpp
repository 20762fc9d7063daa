#include "images/served/archive_frames.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>

#include "util/unique_fd.hpp"

namespace cedana::images::served {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kLz4Magic = 0x184D2204u;
constexpr std::uint32_t kZstdMagic = 0xFD2FB528u;

// Little-endian fields at any offset of the file, read through a small window: headers are
// a few bytes every 128 KiB (zstd blocks) to 4 MiB (lz4 frames).
class Peek {
public:
    Peek(int fd, std::uint64_t size) : fd_(fd), size_(size) {}

    // `bytes` bytes at `at` as a number; nullopt past the end or on a read error.
    std::optional<std::uint64_t> le(std::uint64_t at, int bytes) {
        if (at + static_cast<std::uint64_t>(bytes) > size_) return std::nullopt;
        if (at < start_ || at + static_cast<std::uint64_t>(bytes) > start_ + held_) {
            const ssize_t n = ::pread(fd_, window_.data(), window_.size(), static_cast<off_t>(at));
            if (n < bytes) return std::nullopt;
            start_ = at;
            held_ = static_cast<std::size_t>(n);
        }
        std::uint64_t value = 0;
        for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | window_[static_cast<std::size_t>(at - start_) + static_cast<std::size_t>(i)];
        return value;
    }

private:
    int fd_;
    std::uint64_t size_;
    std::array<unsigned char, 4096> window_{};
    std::uint64_t start_ = 0;
    std::size_t held_ = 0;
};

struct Walked {
    std::uint64_t file_size = 0;
    std::uint64_t raw_size = 0;
};

// LZ4 frame format: magic, FLG, BD, [content size 8], [dict id 4], header checksum; blocks
// (u32 size, high bit: stored; [checksum 4]) up to a zero end mark; [content checksum 4].
std::optional<Walked> lz4_frame(Peek& peek, std::uint64_t at) {
    const auto flg = peek.le(at + 4, 1);
    if (!flg || (*flg >> 6) != 1) return std::nullopt;
    const bool block_sums = (*flg & 0x10) != 0;
    const bool has_size = (*flg & 0x08) != 0;
    const bool content_sum = (*flg & 0x04) != 0;
    const bool dict = (*flg & 0x01) != 0;
    std::uint64_t pos = at + 6;
    std::optional<std::uint64_t> raw;
    if (has_size) {
        raw = peek.le(pos, 8);
        if (!raw) return std::nullopt;
        pos += 8;
    }
    pos += (dict ? 4 : 0) + 1;
    std::uint64_t stored = 0;
    bool compressed = false;
    for (;;) {
        const auto block = peek.le(pos, 4);
        if (!block) return std::nullopt;
        pos += 4;
        if (*block == 0) break;
        const std::uint64_t size = *block & 0x7fffffffu;
        if ((*block & 0x80000000u) != 0) {
            stored += size;
        } else {
            compressed = true;
        }
        pos += size + (block_sums ? 4 : 0);
    }
    pos += content_sum ? 4 : 0;
    // A frame of stored blocks alone (a tar header set aside) decodes to those blocks.
    if (!raw && compressed) return std::nullopt;
    return Walked{.file_size = pos - at, .raw_size = raw ? *raw : stored};
}

// zstd frame format (RFC 8878): magic, descriptor, [window], [dict id], [content size];
// blocks of a 3-byte header (last bit, type, size; RLE blocks hold one byte); [checksum 4].
std::optional<Walked> zstd_frame(Peek& peek, std::uint64_t at) {
    const auto fhd = peek.le(at + 4, 1);
    if (!fhd) return std::nullopt;
    const unsigned fcs_flag = static_cast<unsigned>(*fhd >> 6);
    const bool single = ((*fhd >> 5) & 1) != 0;
    const bool checksum = ((*fhd >> 2) & 1) != 0;
    static constexpr unsigned kDictSizes[] = {0, 1, 2, 4};
    static constexpr unsigned kSizeSizes[] = {0, 2, 4, 8};
    const unsigned size_bytes = fcs_flag == 0 ? (single ? 1 : 0) : kSizeSizes[fcs_flag];
    if (size_bytes == 0) return std::nullopt;
    std::uint64_t pos = at + 5 + (single ? 0 : 1) + kDictSizes[*fhd & 3];
    auto raw = peek.le(pos, static_cast<int>(size_bytes));
    if (!raw) return std::nullopt;
    if (size_bytes == 2) *raw += 256;
    pos += size_bytes;
    for (;;) {
        const auto header = peek.le(pos, 3);
        if (!header) return std::nullopt;
        pos += 3;
        const unsigned type = static_cast<unsigned>((*header >> 1) & 3);
        if (type == 3) return std::nullopt;
        pos += type == 1 ? 1 : (*header >> 3);
        if ((*header & 1) != 0) break;
    }
    pos += checksum ? 4 : 0;
    return Walked{.file_size = pos - at, .raw_size = *raw};
}

}  // namespace

std::optional<std::vector<FrameSpan>> archive_frames(const fs::path& archive, Compression c) {
    if (c != Compression::tar && c != Compression::lz4 && c != Compression::zstd) return std::nullopt;
    util::UniqueFd fd(::open(archive.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st{};
    if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    std::vector<FrameSpan> frames;
    if (c == Compression::tar) {
        // Bytes as they are: cut where reads will want them, a frame's worth at a time.
        for (std::uint64_t at = 0; at < size; at += ParallelFrameWriter::kDefaultChunk) {
            const std::uint64_t n = std::min<std::uint64_t>(ParallelFrameWriter::kDefaultChunk, size - at);
            frames.push_back({.raw_offset = at, .raw_size = n, .file_offset = at, .file_size = n});
        }
        return frames;
    }
    Peek peek(fd.get(), size);
    std::uint64_t at = 0;
    std::uint64_t raw = 0;
    while (at < size) {
        const auto magic = peek.le(at, 4);
        if (!magic) return std::nullopt;
        std::optional<Walked> frame;
        if (c == Compression::lz4 && *magic == kLz4Magic) frame = lz4_frame(peek, at);
        if (c == Compression::zstd && *magic == kZstdMagic) frame = zstd_frame(peek, at);
        if (!frame || at + frame->file_size > size || frame->raw_size > kMaxFrameRaw) return std::nullopt;
        frames.push_back({.raw_offset = raw, .raw_size = frame->raw_size, .file_offset = at, .file_size = frame->file_size});
        at += frame->file_size;
        raw += frame->raw_size;
    }
    return frames;
}

}  // namespace cedana::images::served
