#pragma once
// A container's writable layer committed as an image of containerd's store (dump --image
// REF): the base image's manifest and configuration with the layer on top, the layer also
// unpacked as the committed snapshot of its chain ID so that the image runs at once, and the
// garbage collector's labels that keep all of it once the lease it was made under is gone.

#include <filesystem>
#include <string>

#include "plugins/containerd/client.hpp"
#include "plugins/containerd/image.hpp"
#include "plugins/containerd/overlay_layer.hpp"

namespace cedana::plugins::containerd {

// The media type of an uncompressed layer in a manifest of this media type.
std::string layer_media_type(const std::string& manifest_media_type);

// Fails, saying what to do, when containerd has an image of that name already.
void require_free_image_name(Client& client, const std::string& name);

// The layer (the file `layer_file`, as write_layer() described it) as a committed snapshot on
// the base image's, for `snapshotter`; returns its chain ID. The caller holds a lease.
std::string unpack_layer(Client& client, const ImageInfo& base, const std::filesystem::path& layer_file, const LayerFile& layer,
                         const std::string& snapshotter);

// Creates the image `name`: the base image and the layer unpacked by unpack_layer().
void commit_image(Client& client, const ImageInfo& base, const LayerFile& layer, const std::string& snapshotter,
                  const std::string& chain, const std::string& name);

// Deletes the image, and what only it kept, at once; a missing one is no error.
void remove_image(Client& client, const std::string& name);

}  // namespace cedana::plugins::containerd
