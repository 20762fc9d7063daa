#pragma once
// The POSIX ustar header of one regular file, written by hand for the one thing libarchive
// cannot do: a header put in front of data that has already been written, once the data's
// size is known (streamed_archive.hpp). Readers: libarchive, GNU tar, bsdtar.

#include <cstdint>
#include <string>
#include <string_view>

namespace cedana::images {

inline constexpr std::size_t kTarBlock = 512;

// 512 bytes. Sizes of 8 GiB and more use the base-256 size field that GNU tar and libarchive
// read. Throws std::invalid_argument for a name longer than 99 bytes (CRIU's image names are
// far shorter).
std::string tar_header(std::string_view name, std::uint64_t size, unsigned mode, std::int64_t mtime);

// Zero bytes that follow an entry of `size` bytes, up to the next block.
inline std::size_t tar_padding(std::uint64_t size) { return static_cast<std::size_t>((kTarBlock - size % kTarBlock) % kTarBlock); }

}  // namespace cedana::images
