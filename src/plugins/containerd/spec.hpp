#pragma once
// The OCI runtime spec of a new container of an image, as containerd keeps it with the
// container: runc's own default spec (`runc spec`, the runtime's view of a sane container:
// namespaces, mounts, masked paths, capabilities) given the image's command, environment and
// working directory, the caller's command and --env over them, its root on the snapshot's
// mounts (or a directory of the host's), and its cgroup at containerd's default,
// /<namespace>/<id>.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/containerd/image.hpp"

namespace cedana::plugins::containerd {

struct SpecRequest {
    std::string id;
    std::string ns;
    std::vector<std::string> args;  // empty: the image's Entrypoint and Cmd
    std::vector<std::string> env;   // K=V, over the image's
    std::string root = "rootfs";    // the bundle's rootfs (the snapshot's mounts), or a host directory
};

// Throws cedana::Error(invalid_argument) when there is nothing to run (no command given and
// none in the image) or an --env is not K=V.
nlohmann::json container_spec(const ImageInfo& image, const SpecRequest& request);

// containerd's type URL for an OCI runtime spec in a container record.
inline constexpr const char* kSpecTypeUrl = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

}  // namespace cedana::plugins::containerd
