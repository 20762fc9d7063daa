#pragma once
// The store's files on disk: DIR/objects/<path> holds what was uploaded, DIR/partial/ the
// uploads not yet complete, which no listing or download sees and which a restart removes.
// Every path is opened beneath its root with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
// so that neither a crafted path nor a symbolic link planted in the directory reaches a
// file outside it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plugins/store/request_target.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::store {

class StoreTree {
public:
    // Creates DIR (0700) and its two folders when missing and empties DIR/partial. Throws
    // cedana::Error naming DIR when it cannot.
    explicit StoreTree(const std::string& dir);

    // The regular file at `path`, open for reading; nullopt when there is none.
    [[nodiscard]] std::optional<util::UniqueFd> open_object(const RequestTarget& path) const;
    // Names under the folder `path` (the root when empty), folders with a trailing '/',
    // sorted; nullopt when there is no such folder.
    [[nodiscard]] std::optional<std::vector<std::string>> list(const RequestTarget& path) const;
    // Removes the file and the folders it leaves empty; false when there was none.
    bool remove(const RequestTarget& path);

    // A new, empty file under DIR/partial.
    util::UniqueFd create_partial(const std::string& name);
    void remove_partial(const std::string& name) noexcept;
    // Moves a complete partial file to `path`, durably (file and folder synced), making the
    // folders on the way. Throws cedana::Error(failed_precondition) when a file stands where
    // a folder must be.
    void publish(const std::string& name, int fd, const RequestTarget& path);

private:
    // The folders from the root to `path`'s parent, opened; with `create`, made on the way.
    [[nodiscard]] std::optional<std::vector<util::UniqueFd>> parents(const RequestTarget& path, bool create) const;

    std::string dir_;
    util::UniqueFd objects_;
    util::UniqueFd partial_;
};

}  // namespace cedana::plugins::store
