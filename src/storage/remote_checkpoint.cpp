#include "storage/remote_checkpoint.hpp"

#include "util/error.hpp"

namespace cedana::storage {

CheckpointObjects find_checkpoint(ObjectStore& store, const RemoteUrl& url) {
    if (url.key.empty()) fail(ErrorKind::invalid_argument, "{} names a bucket, not a checkpoint in it", url.str());
    CheckpointObjects found;
    if (const auto size = store.size_of(url.key)) {
        found.objects.push_back({.key = url.key, .size = *size});
        return found;
    }
    // Anything deeper under the prefix is not the checkpoint's: another dump's --dir.
    const std::string prefix = url.key + "/";
    for (auto& object : store.list(prefix)) {
        const std::string_view name = std::string_view(object.key).substr(prefix.size());
        if (!name.empty() && name.find('/') == std::string_view::npos) found.objects.push_back(std::move(object));
    }
    found.streamed = !found.objects.empty();
    return found;
}

bool remove_checkpoint(ObjectStore& store, const RemoteUrl& url) {
    const auto found = find_checkpoint(store, url);
    for (const auto& object : found.objects) store.remove(object.key);
    return !found.objects.empty();
}

}  // namespace cedana::storage
