#pragma once
// Reading a streamed checkpoint back: its shards found in the directory and decoded all at
// once, one thread each, every record written in place into the files they came from.

#include <filesystem>
#include <optional>
#include <string>
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

// Which shards unpack_shards() decodes: all, or img-0 alone (the memory images are then
// served from the others, images/served/); every shard's preamble is checked either way.
enum class ShardSelection { all, first };

// Writes the files the shards hold into `dest` (existing, empty) and returns img-0's index
// of the memory images (shard_index.hpp), which is kept out of `dest`; nullopt when img-0
// has none. Throws cedana::Error(invalid_argument) naming the shard that is missing,
// truncated, corrupted or from another dump; what was written by then is the caller's to
// remove.
std::optional<std::string> unpack_shards(const ShardLayout& layout, const std::filesystem::path& dest, ShardSelection which = ShardSelection::all);

}  // namespace cedana::images::shards
