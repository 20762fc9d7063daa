#pragma once
// The frames of a checkpoint archive found by walking their headers, without decoding them:
// LZ4 and zstd frames say how long they are (block sizes) and, as our archives write them,
// how much they decode to (the content size). A plain tar is one frame.

#include <filesystem>
#include <optional>
#include <vector>

#include "images/compression.hpp"
#include "images/parallel_frames.hpp"

namespace cedana::images::served {

// The frames of `archive`, compressed as `c`, in order; nullopt when they cannot be found
// this way: gzip and zlib archives (one deflate stream), a frame without a content size (an
// archive written by another tool), or a damaged header (extraction then says what is wrong).
std::optional<std::vector<FrameSpan>> archive_frames(const std::filesystem::path& archive, Compression c);

}  // namespace cedana::images::served
