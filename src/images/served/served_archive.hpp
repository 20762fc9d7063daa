#pragma once
// An archive's memory images (.tar, .tar.lz4, .tar.zst as cedana writes them) served from
// the archive itself: its frames are found by their headers (archive_frames.hpp), its tar
// entries by hopping from header to header (a memory image's header is a frame of its own,
// so nothing of the memory is decoded on the way), and only the small images are extracted.

#include <filesystem>
#include <memory>

#include "images/compression.hpp"
#include "images/served/served_images.hpp"

namespace cedana::images::served {

// The archive's memory images served as files of `dir` (existing, empty), its other files
// extracted there. nullptr, with nothing written, when the archive is not one that can be
// served this way (gzip and zlib, another tool's archive, anything unusual or damaged in its
// tar headers: extraction then refuses or reads it). Throws cedana::Error(unavailable) when
// FUSE cannot be used here, and cedana::Error when extracting a small image fails.
std::unique_ptr<ServedImages> serve_archive(const std::filesystem::path& archive, Compression c, const std::filesystem::path& dir);

}  // namespace cedana::images::served
