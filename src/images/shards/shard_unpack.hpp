#pragma once
// Reading a streamed checkpoint back: its shards found in the directory and decoded all at
// once, one thread each, every record written in place into the files they came from.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "images/compression.hpp"
#include "images/shards/shard_format.hpp"

namespace cedana::images::shards {

struct ShardLayout {
    Compression compression = Compression::none;
    std::vector<std::filesystem::path> shards;  // img-0 first
};

// The shards of `dir`, or nullopt when it holds none (it is no streamed checkpoint). Throws
// cedana::Error(invalid_argument) for a single shard, a gap in their numbers, or shards of
// different compressions.
std::optional<ShardLayout> find_shards(const std::filesystem::path& dir);
// The same for the files of `dir` given by name (a remote checkpoint's objects, named as
// they will be once here); files that are no shards are passed over.
std::optional<ShardLayout> shard_layout(const std::filesystem::path& dir, const std::vector<std::filesystem::path>& files);

// Which shards unpack_shards() decodes: all, or img-0 alone (the memory images are then
// served from the others, images/served/); every shard's preamble is checked either way.
enum class ShardSelection { all, first };

// Writes the files the shards hold into `dest` (existing, empty) and returns img-0's index
// of the memory images (shard_index.hpp), which is kept out of `dest`; nullopt when img-0
// has none. Throws cedana::Error(invalid_argument) naming the shard that is missing,
// truncated, corrupted or from another dump; what was written by then is the caller's to
// remove.
// img-0 alone decoded into `dest`: its preamble (which the other shards' must match,
// check_preamble) and its index of the memory images. Throws as unpack_shards().
struct FirstShard {
    Preamble preamble;
    std::optional<std::string> index;
};
FirstShard unpack_first_shard(const ShardLayout& layout, const std::filesystem::path& dest);

// Throws cedana::Error(invalid_argument) naming `shard` when preamble `p`, read from shard
// number `index` of the `count` in `dir`, does not belong there (renamed, of another dump
// than img-0's preamble `first`, of a checkpoint with more or fewer shards).
void check_preamble(const Preamble& p, std::size_t index, const Preamble* first, std::size_t count, std::string_view shard,
                    const std::filesystem::path& dir);

std::optional<std::string> unpack_shards(const ShardLayout& layout, const std::filesystem::path& dest, ShardSelection which = ShardSelection::all);

}  // namespace cedana::images::shards
