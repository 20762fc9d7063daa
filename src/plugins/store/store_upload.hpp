#pragma once
// An object written to a cedana store as it is produced: one upload URL, whose parts
// (storage::PartWindow) go out as ranged PUTs in parallel, each retried with backoff, and a
// last empty PUT that publishes the whole. Destroyed unfinished, the upload is aborted and
// the store keeps nothing of it.
//
// Memory: at most 4 parts of 8 MiB queued or in flight, plus the one being filled and any
// held for room not yet filled: about 56 MiB per upload.

#include <memory>
#include <string>

#include "plugins/store/store_client.hpp"
#include "storage/object_store.hpp"
#include "storage/part_window.hpp"

namespace cedana::plugins::store {

class StoreUpload final : public storage::ObjectUpload {
public:
    static constexpr storage::PartWindow::Shape kShape{.part_size = 8u << 20, .window = 4, .workers = 2};

    // Asks the store for an upload URL. Throws cedana::Error when it refuses.
    StoreUpload(std::shared_ptr<const StoreClient> client, std::string path, std::string shown);
    ~StoreUpload() override;
    StoreUpload(const StoreUpload&) = delete;
    StoreUpload& operator=(const StoreUpload&) = delete;

    void append(const char* data, std::size_t size) override { window_.append(data, size); }
    std::uint64_t reserve(std::size_t size) override { return window_.reserve(size); }
    void fill(std::uint64_t offset, const char* data, std::size_t size) override { window_.fill(offset, data, size); }
    void finish() override;
    [[nodiscard]] std::uint64_t size() const override { return window_.size(); }

private:
    void put(std::uint64_t offset, const std::string& data);

    std::shared_ptr<const StoreClient> client_;
    std::string shown_;  // cedana://…, for messages
    std::string url_;
    bool finished_ = false;
    // Last: its workers, which call put(), stop before the rest goes.
    storage::PartWindow window_;
};

}  // namespace cedana::plugins::store
