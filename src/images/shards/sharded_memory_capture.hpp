#pragma once
// A streamed dump's memory images, taken from CRIU as it writes them (through the FIFOs of
// images/memory_image_fifos.hpp, as for archives) and cut into records
// spread over the memory shards img-1 … img-<N-1>: every read goes to the next shard in
// turn, so the shards grow together and are compressed and written in parallel. Unlike an
// archive, a shard takes pieces of any image at any time, so nothing is ever held back.

#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "images/checksum.hpp"
#include "images/shards/shard_set.hpp"

namespace cedana::images::shards {

class ShardedMemoryCapture {
public:
    // FIFOs for `count` memory images in `dir`, drained into `shards` (at least 2) on a
    // thread of its own. Throws cedana::Error when they cannot be made.
    ShardedMemoryCapture(const std::filesystem::path& dir, int count, ShardSet& shards);
    ~ShardedMemoryCapture();
    ShardedMemoryCapture(const ShardedMemoryCapture&) = delete;
    ShardedMemoryCapture& operator=(const ShardedMemoryCapture&) = delete;

    // Once CRIU has exited after a successful dump: waits until every image is in the
    // shards, removes the FIFOs, and returns the images' checksums by name.
    std::map<std::string, FileSum> finish();
    [[nodiscard]] std::exception_ptr error() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace cedana::images::shards
