#pragma once
// A checkpoint in remote storage, brought into a scratch directory for a restore: one
// object (an archive) or the shards under a prefix (dump --streams), each downloaded by
// ranges on several connections at once, every range resumed where it broke off. Removed
// with the object. The restore then opens it as any local checkpoint (images/
// opened_checkpoint.hpp), which serves an lz4/zstd archive's or the shards' memory images
// to CRIU without extracting them.

#include <filesystem>

#include "storage/object_store.hpp"
#include "util/scratch_dir.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::storage {

class FetchedCheckpoint {
public:
    // Throws cedana::Error(not_found) when `url` is neither an object nor a prefix of
    // shards, and what the download failed of. Counts the bytes into `progress` if given.
    FetchedCheckpoint(ObjectStore& store, const RemoteUrl& url, util::TransferProgress* progress = nullptr);

    // The local archive or shard directory, named as the remote one.
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    util::ScratchDir scratch_;
    std::filesystem::path path_;
};

}  // namespace cedana::storage
