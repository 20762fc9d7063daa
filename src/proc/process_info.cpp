#include "proc/process_info.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "util/text_file.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::proc {

namespace {

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

std::optional<ProcStat> read_stat(int pid) {
    if (pid <= 0) return std::nullopt;
    char text[1024];
    const util::UniqueFd fd(::open(fmt::format("/proc/{}/stat", pid).c_str(), O_RDONLY | O_CLOEXEC));
    const ssize_t n = fd ? ::read(fd.get(), text, sizeof text - 1) : -1;
    if (n <= 0) return std::nullopt;
    text[n] = '\0';
    // The command name before the fields may itself hold spaces and parentheses.
    const char* close = std::strrchr(text, ')');
    ProcStat st;
    int tty = 0;
    int tpgid = 0;
    // Fields 3-9, then rss (24) past faults, times, priorities, threads, start and size.
    if (close == nullptr ||
        std::sscanf(close + 1, " %c %d %d %d %d %d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %*u %*u %ld", &st.state, &st.ppid,
                    &st.pgrp, &st.session, &tty, &tpgid, &st.flags, &st.rss_pages) < 7) {
        return std::nullopt;
    }
    return st;
}

int parent_of(int pid) {
    const auto st = read_stat(pid);
    return st ? st->ppid : 0;
}

bool is_zombie(int pid) {
    const auto st = read_stat(pid);
    return st && st->state == 'Z';
}

bool is_stopped(int pid) {
    const auto st = read_stat(pid);
    return st && st->state == 'T';
}

int parse_pid(const std::string& text) {
    try {
        std::size_t used = 0;
        const int pid = std::stoi(text, &used);
        if (used == text.size() && pid > 0) return pid;
    } catch (const std::exception&) {
    }
    fail(ErrorKind::invalid_argument, "invalid PID \"{}\": expected a positive number", text);
}

bool session_leader_outside_namespace(int pid) {
    // NSsid lists the session id as each PID namespace from ours down to the process's own
    // sees it; the last one is the process's own view.
    std::istringstream status(util::read_text(fmt::format("/proc/{}/status", pid)));
    std::string line;
    while (std::getline(status, line)) {
        if (!line.starts_with("NSsid:")) continue;
        const auto last = line.find_last_of(" \t");
        return last != std::string::npos && line.substr(last + 1) == "0";
    }
    return false;
}

bool is_exiting(int pid) {
    const auto st = read_stat(pid);
    return !st || st->state == 'Z' || st->state == 'X' || (st->flags & kExitingFlag) != 0;
}

bool exists(int pid) { return pid > 0 && ::access(fmt::format("/proc/{}/stat", pid).c_str(), F_OK) == 0; }

ProcessInfo inspect(int pid) {
    const auto st = read_stat(pid);
    if (!st) fail(ErrorKind::not_found, "no process with PID {}", pid);
    ProcessInfo info;
    info.pid = pid;
    info.sid = st->session;
    std::string cmdline = util::read_text(fmt::format("/proc/{}/cmdline", pid));
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
