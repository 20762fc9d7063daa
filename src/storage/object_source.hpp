#pragma once
// An object in remote storage as a ByteSource, so that a restore reads the memory shards of
// a remote checkpoint as CRIU asks for them instead of downloading them first.
//
// Reads go to the store in aligned blocks of kBlock bytes (each one ranged GET, resumed
// where a connection drops, as every read of the store), the last kBlocks kept: the frames a
// restore decodes ahead are 2-4 MiB each and would otherwise be a request each, and a
// request costs a round trip (and, on some servers, time in proportion to the object). A
// block asked for by several threads at once is fetched once. Memory bound: kBlocks ×
// kBlock per source, plus blocks still being copied out of.

#include <cstdint>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "storage/object_store.hpp"
#include "util/byte_source.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::storage {

class ObjectSource final : public util::ByteSource {
public:
    static constexpr std::uint64_t kBlock = 16ull << 20;
    static constexpr std::size_t kBlocks = 3;

    // `store` outlives the source; the bytes fetched are counted into `progress` if given.
    ObjectSource(ObjectStore& store, ObjectInfo object, util::TransferProgress* progress = nullptr)
        : store_(store), object_(std::move(object)), progress_(progress) {}

    [[nodiscard]] std::uint64_t size() const override { return object_.size; }
    std::size_t read_at(std::uint64_t offset, std::size_t size, char* into) override;

private:
    using Bytes = std::shared_ptr<const std::string>;
    Bytes block(std::uint64_t index);
    Bytes fetch(std::uint64_t index);

    ObjectStore& store_;
    ObjectInfo object_;
    util::TransferProgress* progress_;
    std::mutex mutex_;
    std::list<std::pair<std::uint64_t, std::shared_future<Bytes>>> blocks_;  // most recent first
};

}  // namespace cedana::storage
