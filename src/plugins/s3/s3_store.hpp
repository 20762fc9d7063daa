#pragma once
// storage::ObjectStore over one S3 bucket (s3://bucket/key).

#include <memory>

#include "plugins/s3/s3_client.hpp"
#include "storage/object_store.hpp"

namespace cedana::plugins::s3 {

class S3Store final : public storage::ObjectStore {
public:
    explicit S3Store(std::shared_ptr<const S3Client> client) : client_(std::move(client)) {}

    void check_access() override;
    std::unique_ptr<storage::ObjectUpload> upload(const std::string& key) override;
    std::optional<std::uint64_t> size_of(const std::string& key) override;
    void read(const std::string& key, std::uint64_t offset, std::uint64_t length, const Sink& sink) override;
    std::vector<storage::ObjectInfo> list(const std::string& prefix) override;
    void remove(const std::string& key) override;

private:
    // Sends with retries; turns "no answer" into a message naming the endpoint.
    net::HttpResponse call(const S3Call& request, std::string_view what, std::string_view url) const;

    std::shared_ptr<const S3Client> client_;
};

}  // namespace cedana::plugins::s3
