#include "proc/process_info.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cedana::proc {

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

struct StatFields {
    char state = '?';
    int ppid = 0;
    int pgrp = 0;
    int session = 0;
    unsigned long flags = 0;
};

// The fields of /proc/<pid>/stat after the command name, which may itself hold spaces and
// parentheses.
StatFields parse_stat(const std::string& stat) {
    StatFields f;
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) return f;
    std::istringstream fields(stat.substr(close + 2));
    int tty = 0;
    int tpgid = 0;
    fields >> f.state >> f.ppid >> f.pgrp >> f.session >> tty >> tpgid >> f.flags;
    return f;
}

images::StdioFile describe_fd(int pid, int fd) {
    const std::string link = fmt::format("/proc/{}/fd/{}", pid, fd);
    char target[4096];
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n < 0) return {};
    const std::string path(target, static_cast<std::size_t>(n));
    if (path.starts_with("pipe:")) return {fd, "pipe", path};
    if (path.starts_with("socket:")) return {fd, "socket", path};
    if (path == "/dev/null") return {fd, "null", "dev/null"};
    struct stat st{};
    if (path.starts_with("/dev/pts/") || path.starts_with("/dev/tty") || path.starts_with("/dev/console")) {
        if (::stat(link.c_str(), &st) == 0 && S_ISCHR(st.st_mode)) {
            return {fd, "tty", fmt::format("tty[{:x}:{:x}]", st.st_rdev, st.st_dev)};
        }
    }
    if (path.starts_with("/") && ::stat(link.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return {fd, "file", path.substr(1)};
    return {fd, "other", path};
}

}  // namespace

int parent_of(int pid) { return pid > 0 ? parse_stat(read_text(fmt::format("/proc/{}/stat", pid))).ppid : 0; }

bool is_zombie(int pid) { return pid > 0 && parse_stat(read_text(fmt::format("/proc/{}/stat", pid))).state == 'Z'; }

bool session_leader_outside_namespace(int pid) {
    // NSsid lists the session id as each PID namespace from ours down to the process's own
    // sees it; the last one is the process's own view.
    std::istringstream status(read_text(fmt::format("/proc/{}/status", pid)));
    std::string line;
    while (std::getline(status, line)) {
        if (!line.starts_with("NSsid:")) continue;
        const auto last = line.find_last_of(" \t");
        return last != std::string::npos && line.substr(last + 1) == "0";
    }
    return false;
}

bool is_exiting(int pid) {
    const std::string stat = pid > 0 ? read_text(fmt::format("/proc/{}/stat", pid)) : "";
    if (stat.empty()) return true;
    const StatFields f = parse_stat(stat);
    return f.state == 'Z' || f.state == 'X' || (f.flags & kExitingFlag) != 0;
}

bool exists(int pid) { return pid > 0 && ::access(fmt::format("/proc/{}/stat", pid).c_str(), F_OK) == 0; }

ProcessInfo inspect(int pid) {
    const std::string stat = pid > 0 ? read_text(fmt::format("/proc/{}/stat", pid)) : "";
    if (stat.empty()) fail(ErrorKind::not_found, "no process with PID {}", pid);
    ProcessInfo info;
    info.pid = pid;
    info.sid = parse_stat(stat).session;
    std::string cmdline = read_text(fmt::format("/proc/{}/cmdline", pid));
    while (!cmdline.empty() && cmdline.back() == '\0') cmdline.pop_back();
    for (char& c : cmdline) {
        if (c == '\0') c = ' ';
    }
    info.command = cmdline;
    for (int fd = 0; fd <= 2; ++fd) {
        images::StdioFile file = describe_fd(pid, fd);
        if (file.fd >= 0) info.stdio.push_back(std::move(file));
    }
    return info;
}

}  // namespace cedana::proc
