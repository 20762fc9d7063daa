#pragma once
// An S3 object written as it is produced: a multipart upload whose parts (storage::PartWindow)
// go out as soon as they are full. Each part is retried with backoff; when one still fails,
// or the upload is destroyed unfinished, the multipart upload is aborted and no object, nor
// any of its parts, is left.
//
// Memory: at most 4 parts of 8 MiB queued or in flight, plus the part being filled and any
// held for room not yet filled: about 56 MiB per upload.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "plugins/s3/s3_client.hpp"
#include "storage/object_store.hpp"
#include "storage/part_window.hpp"

namespace cedana::plugins::s3 {

class S3Upload final : public storage::ObjectUpload {
public:
    static constexpr storage::PartWindow::Shape kShape{.part_size = 8u << 20, .window = 4, .workers = 2};

    // Starts the multipart upload. Throws cedana::Error when S3 refuses it.
    S3Upload(std::shared_ptr<const S3Client> client, std::string key);
    ~S3Upload() override;
    S3Upload(const S3Upload&) = delete;
    S3Upload& operator=(const S3Upload&) = delete;

    void append(const char* data, std::size_t size) override { window_.append(data, size); }
    std::uint64_t reserve(std::size_t size) override { return window_.reserve(size); }
    void fill(std::uint64_t offset, const char* data, std::size_t size) override { window_.fill(offset, data, size); }
    void finish() override;
    [[nodiscard]] std::uint64_t size() const override { return window_.size(); }

private:
    void put(int number, const std::string& data);
    void abort_upload() noexcept;

    std::shared_ptr<const S3Client> client_;
    std::string key_;
    std::string upload_id_;
    std::mutex etags_mutex_;
    std::map<int, std::string> etags_;
    bool finished_ = false;
    // Last: its workers, which call put(), stop before the rest goes.
    storage::PartWindow window_;
};

}  // namespace cedana::plugins::s3
