#include "plugins/s3/s3_upload.hpp"

#include <sstream>

#include <fmt/format.h>
#include <pugixml.hpp>
#include <spdlog/spdlog.h>

#include "plugins/s3/s3_replies.hpp"
#include "util/error.hpp"

namespace cedana::plugins::s3 {

namespace {

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

S3Upload::S3Upload(std::shared_ptr<const S3Client> client, std::string key)
    : client_(std::move(client)), key_(std::move(key)), window_(kShape, [this](int number, std::uint64_t, const std::string& data) { put(number, data); }) {
    const auto response = client_->send_retrying({.method = "POST", .key = key_, .query = {{"uploads", ""}}});
    if (response.status != 200) fail_response(*client_, response, "cannot start the upload of", client_->url_of(key_));
    upload_id_ = upload_id_of(response.body);
    if (upload_id_.empty()) fail(ErrorKind::failed_precondition, "cannot start the upload of {}: {} gave no upload id", client_->url_of(key_), client_->where());
}

S3Upload::~S3Upload() {
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

void S3Upload::put(int number, const std::string& data) {
    net::HttpResponse response;
    try {
        response = client_->send_retrying(
            {.method = "PUT", .key = key_, .query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}}, .body = data});
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
    const std::lock_guard lock(etags_mutex_);
    etags_[number] = etag->second;
}

void S3Upload::finish() {
    window_.drain();
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

}  // namespace cedana::plugins::s3
