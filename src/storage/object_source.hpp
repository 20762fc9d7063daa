#pragma once
// An object in remote storage as a ByteSource: each read one ranged GET (resumed where a
// connection drops, as every read of the store), so that a restore reads the memory shards
// of a remote checkpoint as CRIU asks for them instead of downloading them first.

#include <string>

#include "storage/object_store.hpp"
#include "util/byte_source.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::storage {

class ObjectSource final : public util::ByteSource {
public:
    // `store` outlives the source; the bytes read are counted into `progress` if given.
    ObjectSource(ObjectStore& store, ObjectInfo object, util::TransferProgress* progress = nullptr)
        : store_(store), object_(std::move(object)), progress_(progress) {}

    [[nodiscard]] std::uint64_t size() const override { return object_.size; }
    std::size_t read_at(std::uint64_t offset, std::size_t size, char* into) override;

private:
    ObjectStore& store_;
    ObjectInfo object_;
    util::TransferProgress* progress_;
};

}  // namespace cedana::storage
