#pragma once
// Reading a streamed checkpoint back: its shards found in the directory and decoded all at
// once, one thread each, every record written in place into the files they came from.

#include <filesystem>
#include <optional>
#include <vector>

#include "images/compression.hpp"

namespace cedana::images::shards {

struct ShardLayout {
    Compression compression = Compression::none;
    std::vector<std::filesystem::path> shards;  // img-0 first
};

// The shards of `dir`, or nullopt when it holds none (it is no streamed checkpoint). Throws
// cedana::Error(invalid_argument) for a single shard, a gap in their numbers, or shards of
// different compressions.
std::optional<ShardLayout> find_shards(const std::filesystem::path& dir);

// Writes the files the shards hold into `dest` (existing, empty). Throws
// cedana::Error(invalid_argument) naming the shard that is missing, truncated, corrupted or
// from another dump; what was written by then is the caller's to remove.
void unpack_shards(const ShardLayout& layout, const std::filesystem::path& dest);

}  // namespace cedana::images::shards
