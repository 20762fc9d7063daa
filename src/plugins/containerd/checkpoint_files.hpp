#pragma once
// What a containerd container's checkpoint carries besides the runc plugin's files and
// CRIU's images: the container as containerd describes it, and what `runc restore`, which
// containerd's shim runs to restore it, reads from the images directory.

namespace cedana::plugins::containerd {

// The container record (image, snapshotter, snapshot, spec, runtime, labels), as JSON.
inline constexpr const char* kRecordFile = "containerd-container.json";
// runc's own: the init's stdin, stdout and stderr at the dump ("pipe:[N]"), which runc
// restore hands CRIU the new ones for.
inline constexpr const char* kDescriptorsFile = "descriptors.json";
// dump --rootfs / --rootfs-only: the container's writable layer as an uncompressed OCI layer
// tar (overlay_layer.hpp), and what it is: {"digest", "size", "media_type", "base_image",
// "process" (false for --rootfs-only: no CRIU images beside it), "image" (--image REF)}.
inline constexpr const char* kLayerFile = "rootfs-diff.tar";
inline constexpr const char* kLayerInfoFile = "rootfs.json";

}  // namespace cedana::plugins::containerd
