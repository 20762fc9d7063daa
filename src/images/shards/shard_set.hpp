#pragma once
// The shards of a streamed checkpoint being written: img-0 … img-<N-1> in one directory,
// each a ParallelFrameWriter compressing on every core and writing on a thread of its own,
// so that N shards are compressed and written at once while one thread feeds them.
//
// Memory bound: the shards' frames are sized so that all of them together hold about 48 MiB
// of input and as much of compressed output (shard_set.cpp), for 2 streams as for 64.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "images/compression.hpp"
#include "images/shards/shard_format.hpp"
#include "images/shards/shard_index.hpp"
#include "util/byte_output.hpp"

namespace cedana::images::shards {

class ShardSet {
public:
    // Creates the `count` shard files (which must not exist) in `dir` with a new dump id.
    // Throws cedana::Error when it cannot. The caller removes the files when the set is
    // not finished.
    ShardSet(const std::filesystem::path& dir, int count, Compression c);
    // The shards written into the outputs `open` gives for their names (uploads): each is
    // finished by finish(), the memory shards first, img-0 last.
    using OpenOutput = std::function<std::unique_ptr<util::ByteOutput>(const std::string& shard_name)>;
    ShardSet(const OpenOutput& open, int count, Compression c);
    ~ShardSet();
    ShardSet(const ShardSet&) = delete;
    ShardSet& operator=(const ShardSet&) = delete;

    [[nodiscard]] int count() const { return static_cast<int>(shards_.size()); }
    // The shard files' names, img-0 first.
    [[nodiscard]] std::vector<std::string> names() const;

    // `data`, the bytes of file `name` at `offset`, as one record of shard `index`.
    void put(int index, std::string_view name, std::uint64_t offset, std::span<const char> data);
    // Reads once from `fd` (a FIFO) into a record of shard `index`, straight into the frame
    // being filled where it has room: the bytes are copied once on their way to the shard.
    // `seen` is given the bytes read before they are handed on (to checksum them). Returns
    // what read() returned (0 at the end, -1 with errno).
    using Seen = std::function<void(std::span<const char>)>;
    ssize_t read_into(int index, std::string_view name, std::uint64_t offset, int fd, std::size_t max, const Seen& seen = {});
    // The whole regular file `path` as records of shard `index`, named as the file.
    void put_file(int index, const std::filesystem::path& path);

    // Ends every shard with its trailer and writes everything out, the memory shards first
    // so that img-0 can carry their index (shard_index.hpp). Throws cedana::Error.
    void finish();
    // The shards' total size once finished.
    [[nodiscard]] std::uint64_t size() const;

private:
    struct Shard;
    void note_piece(int index, std::string_view name, std::uint64_t offset, std::uint64_t raw, std::uint64_t length);
    std::vector<std::unique_ptr<Shard>> shards_;
    std::vector<char> scratch_;
    std::map<std::string, std::vector<ShardIndex::Piece>> pieces_;
};

}  // namespace cedana::images::shards
