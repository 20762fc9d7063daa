#pragma once
// An OCI bundle as far as checkpoint and restore need it: the root filesystem, the mounts,
// the namespaces given by path, the masked paths. Read from <bundle>/config.json.

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cedana::plugins::runc {

struct BundleMount {
    std::string destination;  // inside the container
    std::string type;         // "bind", "proc", "cgroup", "tmpfs", ...
    std::string source;       // for binds: the host path, absolute
    bool bind = false;        // type "bind", or a "bind"/"rbind" option
};

struct BundleNamespace {
    std::string type;  // as OCI names it: "network", "pid", "ipc", "uts", "mount", "user", "cgroup"
    std::string path;  // empty: a namespace of the container's own
};

struct Bundle {
    std::filesystem::path dir;     // absolute
    std::filesystem::path rootfs;  // absolute
    bool terminal = false;
    std::vector<BundleMount> mounts;
    std::vector<BundleNamespace> namespaces;
    std::vector<std::string> masked_paths;
    std::string cgroups_path;  // linux.cgroupsPath; empty: runc's default
    nlohmann::json spec;
};

// The string member `key` of a JSON object (OCI and libcontainer configurations), or "".
std::string string_field(const nlohmann::json& object, const char* key);

// Throws cedana::Error(invalid_argument) saying what is wrong: no such directory, no or
// unparsable config.json, no root filesystem, no process to run.
Bundle load_bundle(const std::string& dir);

// The namespace of `type` the bundle gives by path, or "".
std::string namespace_path(const Bundle& bundle, const std::string& type);
// Whether the container gets a namespace of `type` (its own or one given by path).
bool has_namespace(const Bundle& bundle, const std::string& type);

}  // namespace cedana::plugins::runc
