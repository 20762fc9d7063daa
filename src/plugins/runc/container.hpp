#pragma once
// A container as runc knows it: <root>/<id>/state.json, which runc reads for list, ps, exec,
// kill, pause and delete. Read to find what to checkpoint, written after a restore so that
// runc knows the restored container (the keys and their meaning: docs/runc-checkpoint-facts.md).

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cedana::plugins::runc {

struct Container {
    std::string id;
    std::string root;            // runc's state root
    std::filesystem::path dir;   // <root>/<id>
    nlohmann::json state;        // state.json as runc wrote it
    int pid = 0;                 // the container's init, on the host
    std::uint64_t start = 0;     // its start time, clock ticks after boot
    std::string bundle;          // from the "bundle=" label
    std::string rootfs;
    std::map<std::string, std::string> cgroup_paths;  // controller ("" for v2/unified) → directory
};

// Refuses an id runc would refuse (it must match [A-Za-z0-9_+.-]+), naming `flag`.
void check_id(const std::string& id, const char* flag);

// nullopt when there is no <root>/<id>/state.json; throws cedana::Error when it cannot be read.
std::optional<Container> find_container(const std::string& root, const std::string& id);
// find_container, or cedana::Error(not_found) naming the id and root.
Container load_container(const std::string& root, const std::string& id);

// As runc list shows it: "paused" (frozen), "stopped" (init gone, reused or a zombie),
// "created" (started with create and not yet started), else "running".
std::string status_of(const Container& c);

// The cgroup directory `cedana freeze` and CRIU's freeze_cgroup use.
std::string freezer_dir(const Container& c);

// Every process in the container's cgroup (the devices hierarchy on v1, like runc ps).
std::vector<int> container_pids(const Container& c);

// What `runc delete --force` does, without starting runc: every process of the container
// killed and gone, its cgroup directories and <root>/<id> removed. A container with poststop
// hooks is left to runc itself, which runs them. Throws cedana::Error when the processes do
// not go.
void destroy(const Container& c);

// Writes <dir>/state.json as runc does: a temporary file renamed over it.
void write_state(const std::filesystem::path& dir, const nlohmann::json& state);

}  // namespace cedana::plugins::runc
