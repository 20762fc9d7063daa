#pragma once
// An image of containerd's store, resolved for running a container of it: its manifest for
// this machine's platform, its configuration (command, environment, working directory) and
// the chain ID of its layers, which names the snapshot an unpacked image leaves.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/containerd/client.hpp"

namespace cedana::plugins::containerd {

struct ImageInfo {
    std::string name;
    nlohmann::json config;  // the image's "config" object (Cmd, Entrypoint, Env, WorkingDir)
    nlohmann::json manifest;           // the manifest for this platform, as stored
    std::string manifest_media_type;
    nlohmann::json config_document;    // the whole configuration (rootfs, history, config)
    std::vector<std::string> diff_ids;
    std::string chain_id;
};

// Throws cedana::Error(not_found) when the image is not in the store, saying how to get it
// there; cedana::Error(failed_precondition) when its content is incomplete or it has no
// manifest for this platform.
ImageInfo resolve_image(Client& client, const std::string& name);

// The chain ID of layers with these diff IDs (the OCI image spec's ChainID).
std::string chain_id(const std::vector<std::string>& diff_ids);

// "amd64", "arm64", …: the platform's architecture as OCI images name it.
std::string oci_architecture();

}  // namespace cedana::plugins::containerd
