#include "plugins/store/store_objects.hpp"

#include <fmt/format.h>

#include "plugins/store/store_upload.hpp"
#include "storage/resumed_read.hpp"
#include "util/error.hpp"

namespace cedana::plugins::store {

void StoreObjects::check_access() {
    const std::string what = "cannot use " + shown("");
    const auto response = client_->call("GET", "files/dir", bucket_, what);
    // A bucket that holds nothing yet is a folder the store makes with the first upload.
    if (response.status != 200 && response.status != 404) client_->refuse(response, what);
}

std::unique_ptr<storage::ObjectUpload> StoreObjects::upload(const std::string& key) {
    return std::make_unique<StoreUpload>(client_, path_of(key), shown(key));
}

std::optional<std::uint64_t> StoreObjects::size_of(const std::string& key) {
    const std::string what = "cannot look up " + shown(key);
    const auto response = client_->call("GET", "files", path_of(key), what);
    if (response.status == 404) return std::nullopt;
    if (response.status != 200) client_->refuse(response, what);
    const auto doc = client_->json_of(response, what);
    if (!doc.is_object() || !doc.contains("size") || !doc["size"].is_number_unsigned()) {
        // Stores that answer the URL alone: its HEAD tells the size.
        const auto head = client_->send({.method = "HEAD", .url = client_->url_in(response, what)}, what);
        const auto length = head.headers.find("content-length");
        if (head.status != 200 || length == head.headers.end()) client_->refuse(head, what);
        return std::stoull(length->second);
    }
    return doc["size"].get<std::uint64_t>();
}

void StoreObjects::read(const std::string& key, std::uint64_t offset, std::uint64_t length, const Sink& sink) {
    const std::string what = "cannot download " + shown(key);
    const auto response = client_->call("GET", "files", path_of(key), what);
    if (response.status != 200) client_->refuse(response, what);
    const std::string url = client_->url_in(response, what);
    storage::read_resumed({.url = shown(key),
                           .where = client_->where(),
                           .get = [&](std::uint64_t first, std::uint64_t last, const std::function<void(std::string_view)>& on_body) {
                               return client_->perform_once({.method = "GET", .url = url, .range = std::pair{first, last}, .on_body = on_body});
                           },
                           .refuse = [&](const net::HttpResponse& answer) { client_->refuse(answer, what); },
                           .describe = error_of},
                          offset, length, sink);
}

void StoreObjects::walk(const std::string& folder, const std::string& prefix, std::vector<storage::ObjectInfo>& out) {
    const std::string what = "cannot list " + shown(folder);
    const auto response = client_->call("GET", "files/dir", path_of(folder), what);
    if (response.status == 404) return;
    if (response.status != 200) client_->refuse(response, what);
    const auto names = client_->json_of(response, what);
    if (!names.is_array()) fail(ErrorKind::failed_precondition, "{}: {} answered something other than a list of names", what, client_->where());
    for (const auto& entry : names) {
        if (!entry.is_string()) continue;
        std::string name = entry.get<std::string>();
        const bool is_folder = name.ends_with('/');
        if (is_folder) name.pop_back();
        if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) continue;
        const std::string key = folder.empty() ? name : folder + "/" + name;
        // Only what can hold keys under the prefix is entered.
        if (is_folder) {
            if (prefix.starts_with(key + "/") || (key + "/").starts_with(prefix)) walk(key, prefix, out);
        } else if (key.starts_with(prefix)) {
            const auto size = size_of(key);
            if (size) out.push_back({.key = key, .size = *size});
        }
    }
}

std::vector<storage::ObjectInfo> StoreObjects::list(const std::string& prefix) {
    std::vector<storage::ObjectInfo> out;
    const auto slash = prefix.rfind('/');
    walk(slash == std::string::npos ? "" : prefix.substr(0, slash), prefix, out);
    return out;
}

void StoreObjects::remove(const std::string& key) {
    const std::string what = "cannot delete " + shown(key);
    const auto response = client_->call("DELETE", "files", path_of(key), what);
    if (response.status / 100 != 2 && response.status != 404) client_->refuse(response, what);
}

}  // namespace cedana::plugins::store
