#include "plugins/runc/cgroups.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "util/text_file.hpp"

namespace cedana::plugins::runc {

std::vector<CgroupLine> parse_cgroup_file(const std::string& text) {
    std::vector<CgroupLine> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find(':');
        const auto second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) continue;
        lines.push_back({line.substr(first + 1, second - first - 1), line.substr(second + 1)});
    }
    return lines;
}

std::string read_cgroup_file(int pid) { return util::read_text("/proc/" + std::to_string(pid) + "/cgroup"); }

std::vector<CgroupHierarchy> v1_hierarchies() {
    std::vector<CgroupHierarchy> found;
    std::set<std::string> seen;
    std::ifstream in("/proc/self/mountinfo");
    for (std::string line; std::getline(in, line);) {
        // id parent major:minor root mountpoint options [optional fields] - fstype source super-options
        const auto dash = line.find(" - ");
        if (dash == std::string::npos) continue;
        std::istringstream head(line.substr(0, dash));
        std::string id, parent, dev, root, mountpoint;
        head >> id >> parent >> dev >> root >> mountpoint;
        std::istringstream tail(line.substr(dash + 3));
        std::string fstype, source, options;
        tail >> fstype >> source >> options;
        if (fstype != "cgroup" || root != "/" || !seen.insert(mountpoint).second) continue;
        std::string controllers;
        std::istringstream opts(options);
        for (std::string opt; std::getline(opts, opt, ',');) {
            if (opt == "rw" || opt == "ro" || opt.starts_with("release_agent=") || opt == "noprefix" || opt == "xattr" ||
                opt == "clone_children" || opt == "cpuset_v2_mode") {
                continue;
            }
            controllers += (controllers.empty() ? "" : ",") + opt;
        }
        found.push_back({mountpoint, mountpoint.substr(mountpoint.rfind('/') + 1), controllers});
    }
    return found;
}

std::string retarget(const std::string& path, const std::string& old_id, const std::string& new_id) {
    const auto slash = path.rfind('/');
    if (old_id == new_id || slash == std::string::npos || path.substr(slash + 1) != old_id) return path;
    return path.substr(0, slash + 1) + new_id;
}

}  // namespace cedana::plugins::runc
