#include "plugins/store/store_upload.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::plugins::store {

StoreUpload::StoreUpload(std::shared_ptr<const StoreClient> client, std::string path, std::string shown)
    : client_(std::move(client)), shown_(std::move(shown)),
      window_(kShape, [this](int, std::uint64_t offset, const std::string& data) { put(offset, data); }) {
    const std::string what = "cannot start the upload of " + shown_;
    const auto response = client_->call("PUT", "files", path, what);
    if (response.status != 200) client_->refuse(response, what);
    url_ = client_->url_in(response, what);
}

StoreUpload::~StoreUpload() {
    if (finished_ || url_.empty()) return;
    try {
        const auto response = client_->send({.method = "DELETE", .url = url_}, "cannot abort the upload of " + shown_);
        if (response.status / 100 != 2 && response.status != 404) {
            spdlog::warn("cannot abort the upload of {}: {}; the store drops it when its URL expires", shown_, error_of(response));
        }
    } catch (const std::exception& e) {
        spdlog::warn("{}; the store drops it when its URL expires", e.what());
    }
}

void StoreUpload::put(std::uint64_t offset, const std::string& data) {
    // The empty first part of an empty object: the last PUT says it all.
    if (data.empty()) return;
    const std::string what = fmt::format("cannot upload bytes {}-{} of {}", offset, offset + data.size() - 1, shown_);
    const auto response = client_->send(
        {.method = "PUT", .url = url_, .headers = {fmt::format("Content-Range: bytes {}-{}/*", offset, offset + data.size() - 1)}, .body = data}, what);
    if (response.status / 100 != 2) client_->refuse(response, what);
}

void StoreUpload::finish() {
    window_.drain();
    const std::string what = "cannot complete the upload of " + shown_;
    const auto response = client_->send({.method = "PUT", .url = url_, .headers = {fmt::format("Content-Range: bytes */{}", window_.size())}}, what);
    if (response.status / 100 != 2) client_->refuse(response, what);
    finished_ = true;
}

}  // namespace cedana::plugins::store
