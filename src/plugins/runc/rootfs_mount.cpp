#include "plugins/runc/rootfs_mount.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <spdlog/spdlog.h>

#include "plugins/runc/bundle.hpp"
#include "util/error.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;

RootfsMount::RootfsMount(const fs::path& rootfs, const fs::path& at) : at_(at) {
    std::error_code ec;
    fs::create_directory(at_, ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot create {}: {}", at_.string(), ec.message());
    if (::mount(rootfs.c_str(), at_.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
        const int why = errno;
        fs::remove(at_, ec);
        fail(ErrorKind::failed_precondition, "cannot bind the container's rootfs {} to {}: {}", rootfs.string(), at_.string(), std::strerror(why));
    }
}

RootfsMount::~RootfsMount() {
    if (::umount2(at_.c_str(), MNT_DETACH) != 0) spdlog::warn("cannot unmount {}: {}", at_.string(), std::strerror(errno));
    std::error_code ec;
    fs::remove(at_, ec);
}

void prepare_mountpoints(const Bundle& bundle) {
    std::vector<std::string> tmpfs;
    for (const auto& m : bundle.mounts) {
        if (m.type == "tmpfs") tmpfs.push_back(m.destination);
    }
    for (const auto& m : bundle.mounts) {
        const bool below_tmpfs = std::ranges::any_of(tmpfs, [&m](const std::string& t) {
            return m.destination != t && m.destination.starts_with(t + "/");
        });
        if (below_tmpfs || m.type == "cgroup") continue;
        const fs::path target = bundle.rootfs / fs::path(m.destination).relative_path();
        std::error_code ec;
        if (fs::exists(fs::symlink_status(target, ec))) continue;
        if (m.bind && !fs::is_directory(m.source, ec)) {
            fs::create_directories(target.parent_path(), ec);
            std::ofstream touch(target);
        } else {
            fs::create_directories(target, ec);
        }
        if (ec) fail(ErrorKind::failed_precondition, "cannot create the mount point {} in the bundle's rootfs: {}", target.string(), ec.message());
    }
}

}  // namespace cedana::plugins::runc
