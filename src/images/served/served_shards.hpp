#pragma once
// A streamed checkpoint's memory images served from its shards, as img-0's index
// (shards/shard_index.hpp) says where every byte of them lies: shards in a local directory,
// or objects in remote storage read by range while CRIU restores.

#include <filesystem>
#include <memory>
#include <vector>

#include "images/served/served_images.hpp"
#include "images/shards/shard_index.hpp"
#include "images/shards/shard_unpack.hpp"
#include "util/byte_source.hpp"

namespace cedana::images::served {

// Serves the images `index` describes as files of `dir`. Throws cedana::Error
// (invalid_argument) when a shard is shorter or longer than its dump wrote it (before
// anything is served: CRIU would meet the hole in the middle of restoring memory), and
// cedana::Error(unavailable) when FUSE cannot be used here.
std::unique_ptr<ServedImages> serve_shards(const shards::ShardLayout& layout, shards::ShardIndex index, const std::filesystem::path& dir);

// The same with the memory shards img-1 … read from `sources` (in that order; objects in
// remote storage, so read further ahead), whose preambles are checked here against img-0's `first` (renamed
// or mixed shards are refused before anything is served).
std::unique_ptr<ServedImages> serve_shard_sources(const shards::ShardLayout& layout, const std::vector<std::shared_ptr<util::ByteSource>>& sources,
                                                  const shards::Preamble& first, shards::ShardIndex index, const std::filesystem::path& dir);

}  // namespace cedana::images::served
