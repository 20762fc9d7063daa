#include "plugins/runc/restored_state.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include <fmt/format.h>

#include "jobs/process_state.hpp"
#include "plugins/runc/cgroups.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;

namespace {

// runc's NEWxxx names and the files of /proc/<pid>/ns they stand for.
const std::pair<const char*, const char*> kNamespaceFiles[] = {{"NEWNET", "net"},   {"NEWPID", "pid"},       {"NEWNS", "mnt"},
                                                               {"NEWIPC", "ipc"},   {"NEWUTS", "uts"},       {"NEWUSER", "user"},
                                                               {"NEWCGROUP", "cgroup"}};

std::string readlink_of(const std::string& path) {
    std::error_code ec;
    const auto target = fs::read_symlink(path, ec);
    return ec ? "" : target.string();
}

}  // namespace

std::string rfc3339_now() {
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::floor<std::chrono::seconds>(now);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
    const std::time_t t = std::chrono::system_clock::to_time_t(secs);
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                       utc.tm_sec, nanos);
}

nlohmann::json restored_state(nlohmann::json state, const std::string& id, const Bundle& bundle, int pid, bool rename_cgroups) {
    const std::string old_id = state.value("id", "");
    state["id"] = id;
    state["init_process_pid"] = pid;
    state["init_process_start"] = jobs::start_ticks(pid);
    state["created"] = rfc3339_now();
    auto& config = state["config"];
    config["rootfs"] = bundle.rootfs.string();
    nlohmann::json labels = nlohmann::json::array();
    for (const auto& label : config.value("labels", nlohmann::json::array())) {
        if (!(label.is_string() && label.get<std::string>().starts_with("bundle="))) labels.push_back(label);
    }
    labels.push_back("bundle=" + bundle.dir.string());
    config["labels"] = labels;
    if (config.contains("cgroups") && config["cgroups"].is_object()) {
        config["cgroups"]["name"] = id;
        if (rename_cgroups && config["cgroups"].value("path", "") != "") config["cgroups"]["path"] = retarget(config["cgroups"]["path"].get<std::string>(), old_id, id);
    }
    if (rename_cgroups && state.contains("cgroup_paths") && state["cgroup_paths"].is_object()) {
        for (auto& [controller, path] : state["cgroup_paths"].items()) {
            if (path.is_string()) path = retarget(path.get<std::string>(), old_id, id);
        }
    }
    nlohmann::json namespaces = nlohmann::json::object();
    for (const auto& [type, file] : kNamespaceFiles) {
        if (fs::exists(fmt::format("/proc/{}/ns/{}", pid, file))) namespaces[type] = fmt::format("/proc/{}/ns/{}", pid, file);
    }
    state["namespace_paths"] = namespaces;
    nlohmann::json stdio = nlohmann::json::array();
    for (int fd = 0; fd <= 2; ++fd) stdio.push_back(readlink_of(fmt::format("/proc/{}/fd/{}", pid, fd)));
    state["external_descriptors"] = stdio;
    return state;
}

}  // namespace cedana::plugins::runc
