#include "plugins/containerd/image_commit.hpp"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "github.com/containerd/containerd/api/services/images/v1/images.grpc.pb.h"
#include "plugins/containerd/call.hpp"
#include "plugins/containerd/content.hpp"
#include "plugins/containerd/diff.hpp"
#include "plugins/containerd/snapshots.hpp"
#include "util/error.hpp"
#include "util/uuid.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;
namespace images = ::containerd::services::images::v1;

namespace {

constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

std::string now_rfc3339() {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace

std::string layer_media_type(const std::string& manifest_media_type) {
    return manifest_media_type == kDockerManifest ? "application/vnd.docker.image.rootfs.diff.tar" : "application/vnd.oci.image.layer.v1.tar";
}

void require_free_image_name(Client& client, const std::string& name) {
    Call call(client);
    images::GetImageRequest req;
    req.set_name(name);
    images::GetImageResponse resp;
    const auto status = images::Images::NewStub(client.channel())->Get(&call.context, req, &resp);
    if (status.ok()) {
        fail(ErrorKind::failed_precondition, "--image {}: containerd has an image of that name already (namespace {}); choose another name, or "
             "remove it (ctr -n {} image rm {})", name, client.ns(), client.ns(), name);
    }
    if (status.error_code() != grpc::StatusCode::NOT_FOUND) failed(client, status, "image " + name);
}

std::string unpack_layer(Client& client, const ImageInfo& base, const fs::path& layer_file, const LayerFile& layer, const std::string& snapshotter) {
    std::vector<std::string> diff_ids = base.diff_ids;
    diff_ids.push_back(layer.digest);
    const std::string chain = chain_id(diff_ids);
    if (snapshot_exists(client, snapshotter, chain)) return chain;
    const Blob blob = write_blob(client, layer_file, {.media_type = layer_media_type(base.manifest_media_type), .digest = layer.digest, .size = layer.size});
    const std::string key = "cedana-unpack-" + util::new_uuid();
    const auto mounts = prepare_snapshot(client, snapshotter, key, base.chain_id);
    try {
        apply_layer(client, blob, mounts);
        commit_snapshot(client, snapshotter, chain, key);
    } catch (...) {
        remove_snapshot(client, snapshotter, key);
        throw;
    }
    return chain;
}

void commit_image(Client& client, const ImageInfo& base, const LayerFile& layer, const std::string& snapshotter, const std::string& chain,
                  const std::string& name) {
    const std::string layer_type = layer_media_type(base.manifest_media_type);
    nlohmann::json config = base.config_document;
    config["rootfs"]["diff_ids"].push_back(layer.digest);
    if (!config.contains("history") || !config["history"].is_array()) config["history"] = nlohmann::json::array();
    config["history"].push_back({{"created", now_rfc3339()}, {"created_by", "cedana dump containerd --image " + name},
                                 {"comment", "the container's writable layer at its checkpoint"}});
    const auto old_config = base.manifest.value("config", nlohmann::json::object());
    const Blob config_blob = write_blob(client, config.dump(), old_config.value("mediaType", "application/vnd.oci.image.config.v1+json"),
                                        {{"containerd.io/gc.ref.snapshot." + snapshotter, chain}});

    nlohmann::json manifest = base.manifest;
    manifest["config"] = {{"mediaType", config_blob.media_type}, {"digest", config_blob.digest}, {"size", config_blob.size}};
    manifest["layers"].push_back({{"mediaType", layer_type}, {"digest", layer.digest}, {"size", layer.size}});
    Labels refs{{"containerd.io/gc.ref.content.config", config_blob.digest}};
    for (std::size_t i = 0; i < manifest["layers"].size(); ++i) {
        refs[fmt::format("containerd.io/gc.ref.content.l.{}", i)] = manifest["layers"][i].value("digest", "");
    }
    const Blob manifest_blob = write_blob(client, manifest.dump(), base.manifest_media_type, refs);

    Call call(client);
    images::CreateImageRequest req;
    auto* image = req.mutable_image();
    image->set_name(name);
    auto* target = image->mutable_target();
    target->set_media_type(manifest_blob.media_type);
    target->set_digest(manifest_blob.digest);
    target->set_size(manifest_blob.size);
    images::CreateImageResponse resp;
    const auto status = images::Images::NewStub(client.channel())->Create(&call.context, req, &resp);
    if (!status.ok()) failed(client, status, "create image " + name);
}

void remove_image(Client& client, const std::string& name) {
    Call call(client);
    images::DeleteImageRequest req;
    req.set_name(name);
    req.set_sync(true);
    google::protobuf::Empty resp;
    const auto status = images::Images::NewStub(client.channel())->Delete(&call.context, req, &resp);
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) failed(client, status, "remove image " + name);
}

}  // namespace cedana::plugins::containerd
