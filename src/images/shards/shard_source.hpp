#pragma once
// One shard file read back as the bytes it was compressed from: lz4 and zstd frames, gzip
// members and zlib streams one after another (as ParallelFrameWriter writes them), or the
// bytes themselves. A stream that ends inside a frame, or whose frames do not decode, is
// reported as a truncated or corrupted shard.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "images/compression.hpp"

namespace cedana::images::shards {

class ShardSource {
public:
    // Opens `path`, compressed as `c`. Throws cedana::Error when it cannot be read.
    ShardSource(const std::filesystem::path& path, Compression c);
    ~ShardSource();
    ShardSource(const ShardSource&) = delete;
    ShardSource& operator=(const ShardSource&) = delete;

    // Up to `size` bytes; 0 only at the end of the stream. Throws cedana::Error
    // (invalid_argument) naming the shard when it is truncated or corrupted.
    std::size_t read(void* data, std::size_t size);
    // Exactly `size` bytes, or the error that the shard ends early (`what`: where it ended).
    void read_exactly(void* data, std::size_t size, const char* what);

    [[nodiscard]] const std::string& name() const { return name_; }

    struct Decoder;  // one per compression, in the .cpp

private:
    std::string name_;
    std::unique_ptr<Decoder> decoder_;
};

}  // namespace cedana::images::shards
