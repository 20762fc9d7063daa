#pragma once
// The writable layer of a container on containerd's overlayfs snapshotter, as an OCI image
// layer: the snapshot's upper directory is exactly what the container changed, so it is
// written as a tar as it lies, without comparing it against the image. overlayfs marks a
// deleted file with a 0:0 character device and a directory that hides the image's contents
// with trusted.overlay.opaque=y; the layer says the same with `.wh.NAME` and `.wh..wh..opq`
// entries, which containerd's applier turns back into them.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "plugins/containerd/client.hpp"

namespace cedana::plugins::containerd {

struct LayerFile {
    std::string digest;  // "sha256:…" of the tar, which is also its diff ID (it is not compressed)
    std::int64_t size = 0;
};

// The upper directory of an overlayfs snapshot's mounts; cedana::Error(failed_precondition)
// when the mounts are not of one (another snapshotter's), saying so.
std::filesystem::path upper_dir(const std::vector<Mount>& mounts, const std::string& snapshotter);

// Writes the layer held in `upper` as an uncompressed OCI layer tar to `out` (a new file).
LayerFile write_layer(const std::filesystem::path& upper, const std::filesystem::path& out);

}  // namespace cedana::plugins::containerd
