#pragma once
// A checkpoint ready to read: a directory as it is, or an archive or a streamed checkpoint's
// shards (images/shards/) extracted (safely, see archive.hpp) into a scratch directory
// beside it that is removed again on destruction.

#include <filesystem>

#include "images/compression.hpp"

namespace cedana::images {

class OpenedCheckpoint {
public:
    // Throws cedana::Error when the path does not exist, is of no known format, or the
    // archive is corrupted or unsafe.
    explicit OpenedCheckpoint(const std::filesystem::path& path);
    ~OpenedCheckpoint();
    OpenedCheckpoint(const OpenedCheckpoint&) = delete;
    OpenedCheckpoint& operator=(const OpenedCheckpoint&) = delete;

    // The directory holding the images.
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] Compression format() const { return format_; }
    // A directory of shards (dump --streams): format() is the shards' compression.
    [[nodiscard]] bool streamed() const { return streamed_; }

private:
    Compression format_;
    bool streamed_ = false;
    std::filesystem::path dir_;
    std::filesystem::path scratch_;
};

}  // namespace cedana::images
