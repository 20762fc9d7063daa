#pragma once
// A checkpoint in remote storage, made ready for a restore. One object (an archive) is
// downloaded into a scratch directory by ranges on several connections at once, every range
// resumed where it broke off, and opened as any local checkpoint (images/
// opened_checkpoint.hpp), which serves an lz4/zstd archive's memory images to CRIU without
// extracting them. Of the shards under a prefix (dump --streams) only img-0 is downloaded
// (the small images, the metadata, the index of the memory): the memory shards are read by
// range from the store as CRIU restores, so the restore does not wait for a download. An
// archive cannot be read that way: finding its frames means reading all of it (see
// images/served/archive_frames.hpp), which is why remote checkpoints want --streams.

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "images/opened_checkpoint.hpp"
#include "images/shards/shard_unpack.hpp"

#include "storage/object_store.hpp"
#include "util/byte_source.hpp"
#include "util/scratch_dir.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::storage {

class FetchedCheckpoint {
public:
    // Throws cedana::Error(not_found) when `url` is neither an object nor a prefix of
    // shards, and what the download failed of. Counts the bytes into `progress` if given.
    FetchedCheckpoint(ObjectStore& store, const RemoteUrl& url, util::TransferProgress* progress = nullptr);

    ~FetchedCheckpoint();
    FetchedCheckpoint(const FetchedCheckpoint&) = delete;
    FetchedCheckpoint& operator=(const FetchedCheckpoint&) = delete;

    // The local archive or shard directory, named as the remote one.
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // The checkpoint opened into `into`, which is reset before this object goes. Throws what
    // images::OpenedCheckpoint throws.
    void open(std::optional<images::OpenedCheckpoint>& into) const;

private:
    util::ScratchDir scratch_;
    std::filesystem::path path_;
    util::TransferProgress* progress_;
    std::optional<images::shards::ShardLayout> layout_;      // streamed: read by range
    std::vector<std::shared_ptr<util::ByteSource>> sources_;  // img-1 … of layout_
};

}  // namespace cedana::storage
