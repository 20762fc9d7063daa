#include "plugins/runc/externals.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;

namespace {

// The names CRIU gives a shared namespace in the image and on restore (the keys runc uses).
constexpr const char* kNetKey = "extRootNetNS";
constexpr const char* kPidKey = "extRootPidNS";

void ext_mount(criu_opts& opts, const std::string& key, const std::string& value) {
    auto* m = opts.add_ext_mnt();
    m->set_key(key);
    m->set_val(value);
}

bool has_cgroup_mount(const nlohmann::json& mounts, const char* type_key) {
    for (const auto& m : mounts) {
        if (string_field(m, type_key) == "cgroup") return true;
    }
    return false;
}

}  // namespace

void add_dump_externals(const nlohmann::json& config, int pid, criu_opts& opts) {
    const auto mounts = config.value("mounts", nlohmann::json::array());
    for (const auto& m : mounts) {
        if (string_field(m, "device") == "bind") ext_mount(opts, string_field(m, "destination"), string_field(m, "destination"));
    }
    bool own_cgroupns = false;
    for (const auto& ns : config.value("namespaces", nlohmann::json::array())) {
        const std::string type = string_field(ns, "type");
        const std::string path = string_field(ns, "path");
        if (type == "NEWCGROUP") own_cgroupns = true;
        if (path.empty()) continue;
        if (type == "NEWNET" || type == "NEWPID") {
            struct stat st{};
            if (::stat(path.c_str(), &st) != 0) {
                fail(ErrorKind::failed_precondition, "the container's {} namespace {} is gone: {}", type == "NEWNET" ? "network" : "PID", path,
                     std::strerror(errno));
            }
            opts.add_external(fmt::format("{}[{}]:{}", type == "NEWNET" ? "net" : "pid", st.st_ino, type == "NEWNET" ? kNetKey : kPidKey));
        } else if (type == "NEWNS" || type == "NEWUSER") {
            fail(ErrorKind::failed_precondition, "the container joins the {} namespace {}, which CRIU cannot checkpoint as external",
                 type == "NEWNS" ? "mount" : "user", path);
        }
    }
    // Without a cgroup namespace of its own, runc binds each host hierarchy into the container.
    if (has_cgroup_mount(mounts, "device") && !own_cgroupns) {
        for (const auto& m : mounts) {
            if (string_field(m, "device") != "cgroup") continue;
            for (const auto& h : v1_hierarchies()) {
                const std::string key = string_field(m, "destination") + "/" + h.name;
                ext_mount(opts, key, key);
            }
        }
    }
    // Masked directories are tmpfs mounts CRIU dumps itself; masked files are /dev/null bound over them.
    for (const auto& p : config.value("mask_paths", nlohmann::json::array())) {
        if (!p.is_string()) continue;
        std::error_code ec;
        const fs::path inside = fs::path("/proc") / std::to_string(pid) / "root" / fs::path(p.get<std::string>()).relative_path();
        if (fs::exists(inside, ec) && !fs::is_directory(inside, ec)) ext_mount(opts, p.get<std::string>(), "/dev/null");
    }
}

void add_restore_externals(const Bundle& bundle, const std::vector<CgroupLine>& cgroups, criu_opts& opts,
                           std::vector<engine::InheritFd>& inherit, std::vector<util::UniqueFd>& keep) {
    bool cgroup_mount = false;
    for (const auto& m : bundle.mounts) {
        if (m.bind) ext_mount(opts, m.destination, m.source);
        if (m.type == "cgroup") cgroup_mount = true;
    }
    if (cgroup_mount && !has_namespace(bundle, "cgroup")) {
        for (const auto& m : bundle.mounts) {
            if (m.type != "cgroup") continue;
            for (const auto& h : v1_hierarchies()) {
                std::string inside = "/";
                for (const auto& line : cgroups) {
                    if (line.controllers == h.controllers) inside = line.path;
                }
                ext_mount(opts, m.destination + "/" + h.name, h.mountpoint + (inside == "/" ? "" : inside));
            }
        }
    }
    if (!bundle.masked_paths.empty()) ext_mount(opts, "/dev/null", "/dev/null");
    for (const auto& ns : bundle.namespaces) {
        if (ns.path.empty()) continue;
        if (ns.type == "network" || ns.type == "pid") {
            util::UniqueFd fd(::open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
            if (!fd) fail(ErrorKind::invalid_argument, "bundle {}: cannot open its {} namespace {}: {}", bundle.dir.string(), ns.type, ns.path, std::strerror(errno));
            inherit.push_back({ns.type == "network" ? kNetKey : kPidKey, fd.get()});
            keep.push_back(std::move(fd));
        } else if (ns.type == "ipc" || ns.type == "uts") {
            auto* join = opts.add_join_ns();
            join->set_ns(ns.type);
            join->set_ns_file(ns.path);
        } else if (ns.type == "mount" || ns.type == "user") {
            fail(ErrorKind::invalid_argument, "bundle {}: a container restored into an existing {} namespace ({}) is not supported by CRIU",
                 bundle.dir.string(), ns.type, ns.path);
        }
    }
}

}  // namespace cedana::plugins::runc
