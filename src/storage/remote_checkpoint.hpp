#pragma once
// Which objects make up a checkpoint in remote storage: the one object a dump wrote (an
// archive), or the shards right under its prefix (dump --streams). Shared by the restore's
// download, `job checkpoint inspect` and `delete --checkpoints`, so that all three agree on
// what a remote checkpoint is.

#include <vector>

#include "storage/object_store.hpp"

namespace cedana::storage {

struct CheckpointObjects {
    // Whether the URL names a prefix of shards rather than one object.
    bool streamed = false;
    std::vector<ObjectInfo> objects;
};

// Empty `objects` when nothing is there. Throws cedana::Error(invalid_argument) for a URL
// that names a whole bucket, and what the store fails with.
CheckpointObjects find_checkpoint(ObjectStore& store, const RemoteUrl& url);

// Removes every object of the checkpoint; false when there was none.
bool remove_checkpoint(ObjectStore& store, const RemoteUrl& url);

}  // namespace cedana::storage
