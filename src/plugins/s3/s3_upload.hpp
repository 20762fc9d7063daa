#pragma once
// An S3 object written as it is produced: a multipart upload whose parts go out on worker
// threads as soon as they are full. Reserved room (a tar header known at the end of its
// entry) keeps only its part in memory until it is filled; S3 puts parts together by
// number, so later parts go out meanwhile. Each part is retried with backoff; when one
// still fails, or the upload is destroyed unfinished, the multipart upload is aborted and no
// object, nor any of its parts, is left.
//
// Memory: at most kWindow parts of kPartSize (8 MiB) queued or in flight, plus the part
// being filled and any held for room not yet filled: about 56 MiB per upload.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugins/s3/s3_client.hpp"
#include "storage/object_store.hpp"

namespace cedana::plugins::s3 {

class S3Upload final : public storage::ObjectUpload {
public:
    static constexpr std::size_t kPartSize = 8u << 20;
    static constexpr std::size_t kWindow = 4;
    static constexpr int kWorkers = 2;

    // Starts the multipart upload. Throws cedana::Error when S3 refuses it.
    S3Upload(std::shared_ptr<const S3Client> client, std::string key);
    ~S3Upload() override;
    S3Upload(const S3Upload&) = delete;
    S3Upload& operator=(const S3Upload&) = delete;

    void append(const char* data, std::size_t size) override;
    std::uint64_t reserve(std::size_t size) override;
    void fill(std::uint64_t offset, const char* data, std::size_t size) override;
    void finish() override;
    [[nodiscard]] std::uint64_t size() const override;

private:
    struct Part {
        std::string data;
        std::size_t unfilled = 0;  // reserved bytes not yet filled
        bool sealed = false;       // full, or the last
    };

    Part& part_at(int number);
    void seal(int number);
    void release_if_ready(int number);
    void put(int number, const Part& part);
    void work();
    void rethrow_locked();
    void abort_upload() noexcept;

    std::shared_ptr<const S3Client> client_;
    std::string key_;
    std::string upload_id_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::uint64_t size_ = 0;
    std::map<int, Part> held_;          // filling, or waiting to be filled
    std::deque<std::pair<int, Part>> queue_;
    std::size_t in_flight_ = 0;
    std::map<int, std::string> etags_;
    std::exception_ptr error_;
    bool stopping_ = false;
    bool finished_ = false;
    std::vector<std::jthread> workers_;
};

}  // namespace cedana::plugins::s3
