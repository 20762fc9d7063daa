#include "plugins/containerd/image.hpp"

#include <grpcpp/grpcpp.h>
#include <sys/utsname.h>

#include <fmt/format.h>

#include "github.com/containerd/containerd/api/services/content/v1/content.grpc.pb.h"
#include "github.com/containerd/containerd/api/services/images/v1/images.grpc.pb.h"
#include "plugins/containerd/call.hpp"
#include "plugins/containerd/content.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace content = ::containerd::services::content::v1;
namespace images = ::containerd::services::images::v1;

namespace {

// Index and manifest documents are small; anything larger is not one.
constexpr std::int64_t kMaxDocument = 4 << 20;

std::string read_blob(Client& client, const std::string& digest, std::int64_t size) {
    if (size > kMaxDocument) fail(ErrorKind::failed_precondition, "image document {} is {} bytes, too large to be a manifest", digest, size);
    Call call(client);
    content::ReadContentRequest req;
    req.set_digest(digest);
    auto reader = content::Content::NewStub(client.channel())->Read(&call.context, req);
    std::string data;
    content::ReadContentResponse chunk;
    while (reader->Read(&chunk)) data += chunk.data();
    const auto status = reader->Finish();
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
        fail(ErrorKind::failed_precondition, "containerd's store lacks {} of the image (its content is incomplete): pull or import the image again", digest);
    }
    if (!status.ok()) failed(client, status, "read " + digest);
    return data;
}

nlohmann::json read_json(Client& client, const std::string& digest, std::int64_t size) {
    auto doc = nlohmann::json::parse(read_blob(client, digest, size), nullptr, false);
    if (!doc.is_object()) fail(ErrorKind::failed_precondition, "image document {} is not JSON", digest);
    return doc;
}

bool is_index(const std::string& media_type) {
    return media_type == "application/vnd.oci.image.index.v1+json" || media_type == "application/vnd.docker.distribution.manifest.list.v2+json";
}

}  // namespace

std::string oci_architecture() {
    utsname u{};
    ::uname(&u);
    const std::string machine = u.machine;
    if (machine == "x86_64") return "amd64";
    if (machine == "aarch64") return "arm64";
    if (machine.starts_with("armv7")) return "arm";
    return machine;
}

std::string chain_id(const std::vector<std::string>& diff_ids) {
    if (diff_ids.empty()) return "";
    std::string chain = diff_ids.front();
    for (std::size_t i = 1; i < diff_ids.size(); ++i) chain = sha256_digest(chain + " " + diff_ids[i]);
    return chain;
}

ImageInfo resolve_image(Client& client, const std::string& name) {
    images::GetImageResponse got;
    {
        Call call(client);
        images::GetImageRequest req;
        req.set_name(name);
        const auto status = images::Images::NewStub(client.channel())->Get(&call.context, req, &got);
        if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
            fail(ErrorKind::not_found, "image {} is not in containerd's store (namespace {}); cedana pulls nothing: pull or import it first "
                 "(ctr -n {} image pull / image import)", name, client.ns(), client.ns());
        }
        if (!status.ok()) failed(client, status, "image " + name);
    }
    auto target = got.image().target();
    std::string media_type = target.media_type();
    std::string digest = target.digest();
    std::int64_t size = target.size();
    if (is_index(media_type)) {
        const auto index = read_json(client, digest, size);
        const std::string arch = oci_architecture();
        bool found = false;
        for (const auto& m : index.value("manifests", nlohmann::json::array())) {
            const auto platform = m.value("platform", nlohmann::json::object());
            if (platform.value("os", "linux") != "linux" || platform.value("architecture", arch) != arch) continue;
            media_type = m.value("mediaType", "");
            digest = m.value("digest", "");
            size = m.value("size", std::int64_t{0});
            found = true;
            break;
        }
        if (!found) fail(ErrorKind::failed_precondition, "image {} has no manifest for linux/{}", name, arch);
    }
    const auto manifest = read_json(client, digest, size);
    const auto config_desc = manifest.value("config", nlohmann::json::object());
    const auto config = read_json(client, config_desc.value("digest", ""), config_desc.value("size", std::int64_t{0}));
    ImageInfo info;
    info.name = name;
    info.manifest = manifest;
    info.manifest_media_type = media_type;
    info.config_document = config;
    info.config = config.value("config", nlohmann::json::object());
    for (const auto& d : config.value("rootfs", nlohmann::json::object()).value("diff_ids", nlohmann::json::array())) {
        if (d.is_string()) info.diff_ids.push_back(d.get<std::string>());
    }
    if (info.diff_ids.empty()) fail(ErrorKind::failed_precondition, "image {} has no layers", name);
    info.chain_id = chain_id(info.diff_ids);
    return info;
}

}  // namespace cedana::plugins::containerd
