#include "plugins/s3/s3_upload.hpp"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <pugixml.hpp>
#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::plugins::s3 {

namespace {

int part_of(std::uint64_t offset) { return static_cast<int>(offset / S3Upload::kPartSize) + 1; }

std::string complete_body(const std::map<int, std::string>& etags) {
    pugi::xml_document doc;
    auto root = doc.append_child("CompleteMultipartUpload");
    root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
    for (const auto& [number, etag] : etags) {
        auto part = root.append_child("Part");
        part.append_child("PartNumber").text().set(number);
        part.append_child("ETag").text().set(etag.c_str());
    }
    std::ostringstream out;
    doc.save(out, "", pugi::format_raw);
    return out.str();
}

}  // namespace

S3Upload::S3Upload(std::shared_ptr<const S3Client> client, std::string key) : client_(std::move(client)), key_(std::move(key)) {
    const auto response = client_->send_retrying({.method = "POST", .key = key_, .query = {{"uploads", ""}}});
    if (response.status != 200) fail_response(*client_, response, "cannot start the upload of", client_->url_of(key_));
    pugi::xml_document doc;
    if (doc.load_buffer(response.body.data(), response.body.size())) {
        upload_id_ = doc.child("InitiateMultipartUploadResult").child_value("UploadId");
    }
    if (upload_id_.empty()) fail(ErrorKind::failed_precondition, "cannot start the upload of {}: {} gave no upload id", client_->url_of(key_), client_->where());
    for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { work(); });
}

S3Upload::~S3Upload() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    workers_.clear();
    if (!finished_) abort_upload();
}

void S3Upload::abort_upload() noexcept {
    try {
        const auto response = client_->send_retrying({.method = "DELETE", .key = key_, .query = {{"uploadId", upload_id_}}});
        if (response.status / 100 != 2 && response.status != 404) {
            spdlog::warn("cannot abort the upload of {}: {}; its parts stay until the bucket's lifecycle removes them", client_->url_of(key_),
                         error_of(response));
        }
    } catch (const std::exception& e) {
        spdlog::warn("cannot abort the upload of {}: {}; its parts stay until the bucket's lifecycle removes them", client_->url_of(key_), e.what());
    }
}

void S3Upload::rethrow_locked() {
    if (error_) std::rethrow_exception(error_);
}

S3Upload::Part& S3Upload::part_at(int number) { return held_[number]; }

void S3Upload::release_if_ready(int number) {
    const auto it = held_.find(number);
    if (it == held_.end() || !it->second.sealed || it->second.unfilled > 0) return;
    queue_.emplace_back(number, std::move(it->second));
    held_.erase(it);
    changed_.notify_all();
}

void S3Upload::seal(int number) {
    part_at(number).sealed = true;
    release_if_ready(number);
}

void S3Upload::append(const char* data, std::size_t size) {
    std::unique_lock lock(mutex_);
    while (size > 0) {
        changed_.wait(lock, [&] { return queue_.size() + in_flight_ < kWindow || error_; });
        rethrow_locked();
        const int number = part_of(size_);
        Part& part = part_at(number);
        const std::size_t take = std::min(size, kPartSize - part.data.size());
        part.data.append(data, take);
        data += take;
        size -= take;
        size_ += take;
        if (part.data.size() == kPartSize) seal(number);
    }
}

std::uint64_t S3Upload::reserve(std::size_t size) {
    std::unique_lock lock(mutex_);
    rethrow_locked();
    const std::uint64_t at = size_;
    while (size > 0) {
        const int number = part_of(size_);
        Part& part = part_at(number);
        const std::size_t take = std::min(size, kPartSize - part.data.size());
        part.data.append(take, '\0');
        part.unfilled += take;
        size -= take;
        size_ += take;
        if (part.data.size() == kPartSize) seal(number);
    }
    return at;
}

void S3Upload::fill(std::uint64_t offset, const char* data, std::size_t size) {
    const std::lock_guard lock(mutex_);
    rethrow_locked();
    while (size > 0) {
        const int number = part_of(offset);
        const auto it = held_.find(number);
        const std::size_t within = offset % kPartSize;
        const std::size_t take = std::min(size, kPartSize - within);
        if (it == held_.end() || it->second.unfilled < take || it->second.data.size() < within + take) {
            throw std::logic_error("S3Upload::fill() outside reserved room");
        }
        std::memcpy(it->second.data.data() + within, data, take);
        it->second.unfilled -= take;
        release_if_ready(number);
        data += take;
        size -= take;
        offset += take;
    }
}

void S3Upload::put(int number, const Part& part) {
    net::HttpResponse response;
    try {
        response = client_->send_retrying(
            {.method = "PUT", .key = key_, .query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}}, .body = part.data});
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        fail(ErrorKind::failed_precondition, "cannot upload part {} of {}: {} could not be reached after {} attempts ({}); no object was made",
             number, client_->url_of(key_), client_->where(), S3Client::kAttempts, e.what());
    }
    if (response.status != 200) fail_response(*client_, response, fmt::format("cannot upload part {} of", number), client_->url_of(key_));
    const auto etag = response.headers.find("etag");
    if (etag == response.headers.end()) {
        fail(ErrorKind::failed_precondition, "cannot upload part {} of {}: {} sent no ETag", number, client_->url_of(key_), client_->where());
    }
    const std::lock_guard lock(mutex_);
    etags_[number] = etag->second;
}

void S3Upload::work() {
    for (;;) {
        std::pair<int, Part> job;
        {
            std::unique_lock lock(mutex_);
            changed_.wait(lock, [&] { return !queue_.empty() || stopping_; });
            if (stopping_ || error_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            ++in_flight_;
        }
        std::exception_ptr failed;
        try {
            put(job.first, job.second);
        } catch (...) {
            failed = std::current_exception();
        }
        {
            const std::lock_guard lock(mutex_);
            --in_flight_;
            if (failed && !error_) error_ = failed;
        }
        changed_.notify_all();
    }
}

void S3Upload::finish() {
    {
        std::unique_lock lock(mutex_);
        rethrow_locked();
        if (size_ == 0) part_at(1);
        const int last = part_of(size_ == 0 ? 0 : size_ - 1);
        if (held_.contains(last) && !held_.at(last).sealed) seal(last);
        if (!held_.empty()) throw std::logic_error("S3Upload::finish() with reserved room never filled");
        changed_.wait(lock, [&] { return (queue_.empty() && in_flight_ == 0) || error_; });
        rethrow_locked();
    }
    const std::string body = complete_body(etags_);
    net::HttpResponse response;
    try {
        response = client_->send_retrying(
            {.method = "POST", .key = key_, .query = {{"uploadId", upload_id_}}, .headers = {"Content-Type: application/xml"}, .body = body});
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        fail(ErrorKind::failed_precondition, "cannot complete the upload of {}: {} could not be reached ({})", client_->url_of(key_),
             client_->where(), e.what());
    }
    // S3 may answer 200 and still report an error in the body.
    if (response.status != 200 || !error_code(response).empty()) {
        fail_response(*client_, response, "cannot complete the upload of", client_->url_of(key_));
    }
    finished_ = true;
}

std::uint64_t S3Upload::size() const {
    const std::lock_guard lock(mutex_);
    return size_;
}

}  // namespace cedana::plugins::s3
