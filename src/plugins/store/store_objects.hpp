#pragma once
// storage::ObjectStore over a cedana store (cedana://bucket/key is the store's file
// bucket/key): uploads through store_upload.hpp, reads by range through the download URLs
// it hands out, listings walked folder by folder.

#include <memory>
#include <string>

#include "plugins/store/store_client.hpp"
#include "storage/object_store.hpp"

namespace cedana::plugins::store {

class StoreObjects final : public storage::ObjectStore {
public:
    StoreObjects(std::shared_ptr<const StoreClient> client, std::string bucket) : client_(std::move(client)), bucket_(std::move(bucket)) {}

    void check_access() override;
    std::unique_ptr<storage::ObjectUpload> upload(const std::string& key) override;
    std::optional<std::uint64_t> size_of(const std::string& key) override;
    void read(const std::string& key, std::uint64_t offset, std::uint64_t length, const Sink& sink) override;
    std::vector<storage::ObjectInfo> list(const std::string& prefix) override;
    void remove(const std::string& key) override;

private:
    [[nodiscard]] std::string path_of(const std::string& key) const { return key.empty() ? bucket_ : bucket_ + "/" + key; }
    [[nodiscard]] std::string shown(const std::string& key) const { return "cedana://" + path_of(key); }
    void walk(const std::string& folder, const std::string& prefix, std::vector<storage::ObjectInfo>& out);

    std::shared_ptr<const StoreClient> client_;
    std::string bucket_;
};

}  // namespace cedana::plugins::store
