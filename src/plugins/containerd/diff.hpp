#pragma once
// containerd's diff service, as its applier: a layer in the content store unpacked onto the
// mounts of an active snapshot, by containerd itself (its whiteouts and ownership rules).

#include <vector>

#include "plugins/containerd/client.hpp"
#include "plugins/containerd/content.hpp"

namespace cedana::plugins::containerd {

void apply_layer(Client& client, const Blob& layer, const std::vector<Mount>& mounts);

}  // namespace cedana::plugins::containerd
