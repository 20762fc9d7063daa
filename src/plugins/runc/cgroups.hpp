#pragma once
// A container's cgroups as CRIU sees them: the lines of /proc/<pid>/cgroup (kept in the
// checkpoint, so that a restore puts the tasks back into the same groups, or into the
// groups of a new id), and the host's v1 hierarchies that runc bind-mounts into a container.

#include <string>
#include <vector>

namespace cedana::plugins::runc {

struct CgroupLine {
    std::string controllers;  // "cpu,cpuacct", "name=systemd"; "" for the v2 (unified) line
    std::string path;         // inside the hierarchy, "/<parent>/<id>"
};

// Parses the text of a /proc/<pid>/cgroup file.
std::vector<CgroupLine> parse_cgroup_file(const std::string& text);
std::string read_cgroup_file(int pid);

struct CgroupHierarchy {
    std::string mountpoint;   // "/sys/fs/cgroup/cpu,cpuacct"
    std::string name;         // its last component, which names it inside a container
    std::string controllers;  // as /proc/<pid>/cgroup names them: "cpu,cpuacct", "name=systemd"
};

// The host's cgroup v1 hierarchies (from /proc/self/mountinfo), one per mount point.
std::vector<CgroupHierarchy> v1_hierarchies();

// `path` with its last component `old_id` replaced by `new_id` (runc names a container's
// cgroup after its id); any other path is kept as it is.
std::string retarget(const std::string& path, const std::string& old_id, const std::string& new_id);

}  // namespace cedana::plugins::runc
