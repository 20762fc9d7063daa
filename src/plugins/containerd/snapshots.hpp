#pragma once
// Snapshots of containerd's snapshotters: a container's writable layer is an active
// snapshot named after it, on top of the committed snapshot of its image's layers.

#include <string>
#include <vector>

#include "plugins/containerd/client.hpp"

namespace cedana::plugins::containerd {

inline constexpr const char* kDefaultSnapshotter = "overlayfs";

bool snapshot_exists(Client& client, const std::string& snapshotter, const std::string& key);

// A new active snapshot `key` on `parent`; returns the mounts of its root filesystem.
std::vector<Mount> prepare_snapshot(Client& client, const std::string& snapshotter, const std::string& key, const std::string& parent);

// The mounts of the existing active snapshot `key`.
std::vector<Mount> snapshot_mounts(Client& client, const std::string& snapshotter, const std::string& key);

// Commits the active snapshot `key` as the committed snapshot `name` (a layer's chain ID),
// returns false, removing `key`, when `name` is committed already.
bool commit_snapshot(Client& client, const std::string& snapshotter, const std::string& name, const std::string& key);

// Removes the snapshot; one that is gone already is no error.
void remove_snapshot(Client& client, const std::string& snapshotter, const std::string& key);

}  // namespace cedana::plugins::containerd
