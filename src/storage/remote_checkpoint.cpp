#include "storage/remote_checkpoint.hpp"

#include "util/error.hpp"
#include "util/file_name.hpp"

namespace cedana::storage {

CheckpointObjects find_checkpoint(ObjectStore& store, const RemoteUrl& url) {
    if (url.key.empty()) fail(ErrorKind::invalid_argument, "{} names a bucket, not a checkpoint in it", url.str());
    CheckpointObjects found;
    if (const auto size = store.size_of(url.key)) {
        found.objects.push_back({.key = url.key, .size = *size});
        return found;
    }
    // Anything deeper under the prefix is not the checkpoint's: another dump's --dir. A store
    // is not trusted to list only what was asked: a key outside the prefix or one that is no
    // file name ("..") would name a file outside the restore's scratch directory.
    const std::string prefix = url.key + "/";
    for (auto& object : store.list(prefix)) {
        if (!object.key.starts_with(prefix)) continue;
        if (util::is_plain_file_name(std::string_view(object.key).substr(prefix.size()))) found.objects.push_back(std::move(object));
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
