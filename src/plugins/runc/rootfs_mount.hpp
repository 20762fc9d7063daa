#pragma once
// CRIU restores a container's mount namespace onto a root that must be a mount point whose
// parent is not overmounted: the bundle's rootfs, bound (recursively) to <root>/<id>/criu-root
// for as long as CRIU restores, then detached and its directory removed.

#include <filesystem>

#include "plugins/runc/bundle.hpp"

namespace cedana::plugins::runc {

class RootfsMount {
public:
    // Throws cedana::Error when the bind mount cannot be made.
    RootfsMount(const std::filesystem::path& rootfs, const std::filesystem::path& at);
    ~RootfsMount();
    RootfsMount(const RootfsMount&) = delete;
    RootfsMount& operator=(const RootfsMount&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return at_; }

private:
    std::filesystem::path at_;
};

// Creates the mount points the bundle's mounts need in its rootfs and that a fresh copy
// of it may lack (never below a tmpfs, whose content CRIU restores itself).
void prepare_mountpoints(const Bundle& bundle);

}  // namespace cedana::plugins::runc
