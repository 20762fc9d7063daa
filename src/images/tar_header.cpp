#include "images/tar_header.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

namespace cedana::images {

namespace {

// ustar field offsets and lengths
constexpr std::size_t kName = 0, kNameLen = 100;
constexpr std::size_t kMode = 100, kUid = 108, kGid = 116, kIdLen = 8;
constexpr std::size_t kSize = 124, kSizeLen = 12;
constexpr std::size_t kMtime = 136, kMtimeLen = 12;
constexpr std::size_t kChecksum = 148, kChecksumLen = 8;
constexpr std::size_t kType = 156;
constexpr std::size_t kMagic = 257;

void put_octal(std::string& header, std::size_t at, std::size_t len, std::uint64_t value) {
    const std::string digits = fmt::format("{:0{}o}", value, len - 1);
    if (digits.size() > len - 1) throw std::invalid_argument("tar field overflow");
    std::memcpy(header.data() + at, digits.data(), digits.size());
}

// Base-256: the first byte's high bit marks it, the value is big-endian in the rest.
void put_base256(std::string& header, std::size_t at, std::size_t len, std::uint64_t value) {
    for (std::size_t i = len; i-- > 1;) {
        header[at + i] = static_cast<char>(value & 0xff);
        value >>= 8;
    }
    header[at] = static_cast<char>(0x80);
}

}  // namespace

std::string tar_header(std::string_view name, std::uint64_t size, unsigned mode, std::int64_t mtime) {
    if (name.empty() || name.size() >= kNameLen) throw std::invalid_argument(fmt::format("tar entry name \"{}\" is not 1-99 bytes", name));
    std::string header(kTarBlock, '\0');
    std::memcpy(header.data() + kName, name.data(), name.size());
    put_octal(header, kMode, kIdLen, mode & 07777);
    put_octal(header, kUid, kIdLen, 0);
    put_octal(header, kGid, kIdLen, 0);
    if (size < (1ull << 33)) {
        put_octal(header, kSize, kSizeLen, size);
    } else {
        put_base256(header, kSize, kSizeLen, size);
    }
    put_octal(header, kMtime, kMtimeLen, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
    header[kType] = '0';
    std::memcpy(header.data() + kMagic, "ustar\0" "00", 8);
    // The checksum is the byte sum with its own field read as spaces: six octal digits, NUL, space.
    std::memset(header.data() + kChecksum, ' ', kChecksumLen);
    unsigned sum = 0;
    for (const char c : header) sum += static_cast<unsigned char>(c);
    const std::string field = fmt::format("{:06o}", sum);
    std::memcpy(header.data() + kChecksum, field.data(), 6);
    header[kChecksum + 6] = '\0';
    return header;
}

}  // namespace cedana::images
