#pragma once
// A checkpoint ready to read: a directory as it is, or an archive or a streamed checkpoint's
// shards (images/shards/) extracted (safely, see archive.hpp) into a scratch directory
// beside it that is removed again on destruction. The memory images of a streamed checkpoint
// or of a .tar, .tar.lz4 or .tar.zst archive are not extracted: they are served from the
// shards or the archive (images/served/) where FUSE can be used.

#include <filesystem>
#include <memory>
#include <vector>

#include "images/compression.hpp"
#include "util/byte_source.hpp"
#include "util/leftovers.hpp"

namespace cedana::images {

namespace served {
class ServedImages;
}
namespace shards {
struct ShardLayout;
}

class OpenedCheckpoint {
public:
    // Throws cedana::Error when the path does not exist, is of no known format, or the
    // archive is corrupted or unsafe.
    explicit OpenedCheckpoint(const std::filesystem::path& path);
    // A streamed checkpoint of which img-0 alone is here (layout.shards[0]) and the others
    // are read from `others` (img-1 … in order; objects in remote storage): their memory
    // images are served from them while CRIU restores. Without FUSE the others are copied to
    // their paths in `layout` first and the checkpoint is extracted as a local one.
    OpenedCheckpoint(const shards::ShardLayout& layout, std::vector<std::shared_ptr<util::ByteSource>> others);
    ~OpenedCheckpoint();
    OpenedCheckpoint(const OpenedCheckpoint&) = delete;
    OpenedCheckpoint& operator=(const OpenedCheckpoint&) = delete;

    // The directory holding the images.
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] Compression format() const { return format_; }
    // A directory of shards (dump --streams): format() is the shards' compression.
    [[nodiscard]] bool streamed() const { return streamed_; }
    // The memory images served from the shards, or null when they were extracted.
    [[nodiscard]] served::ServedImages* served() const { return served_.get(); }

private:
    void open_streamed(const shards::ShardLayout& layout);
    void open_remote(const shards::ShardLayout& layout, const std::vector<std::shared_ptr<util::ByteSource>>& others);
    void open_archive(const std::filesystem::path& path);

    Compression format_;
    bool streamed_ = false;
    std::filesystem::path dir_;
    std::filesystem::path scratch_;
    std::unique_ptr<served::ServedImages> served_;  // unmounted before scratch_ goes
    util::Leftover leftover_;  // scratch_, until it is removed
};

}  // namespace cedana::images
