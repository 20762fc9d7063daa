#include "daemon/recovery.hpp"

#include <signal.h>
#include <sys/mount.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "daemon/work_journal.hpp"
#include "jobs/process_state.hpp"
#include "proc/process_info.hpp"
#include "proc/process_tree.hpp"
#include "util/uuid.hpp"

namespace cedana::daemon {

namespace fs = std::filesystem;

namespace {

constexpr auto kCriuWait = std::chrono::seconds(60);

// Mount points in /proc/self/mountinfo escape space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& field) {
    std::string out;
    for (std::size_t i = 0; i < field.size(); ++i) {
        const auto octal = [&](std::size_t at) { return at < field.size() && field[at] >= '0' && field[at] <= '7'; };
        if (field[i] == '\\' && octal(i + 1) && octal(i + 2) && octal(i + 3)) {
            out.push_back(static_cast<char>(std::stoi(field.substr(i + 1, 3), nullptr, 8)));
            i += 3;
        } else {
            out.push_back(field[i]);
        }
    }
    return out;
}

bool is_under(const std::string& path, const std::string& dir) {
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

// A FUSE mount of served images whose server died with the daemon: deepest first.
void unmount_below(const fs::path& dir) {
    std::ifstream info("/proc/self/mountinfo");
    std::vector<std::string> points;
    for (std::string line; std::getline(info, line);) {
        std::istringstream fields(line);
        std::string id, parent, devices, root, point;
        if (fields >> id >> parent >> devices >> root >> point) {
            point = unescape(point);
            if (is_under(point, dir.string())) points.push_back(point);
        }
    }
    std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& point : points) {
        if (::umount2(point.c_str(), MNT_DETACH) != 0) spdlog::warn("cannot unmount {}: {}", point, std::strerror(errno));
    }
}

void remove_leftovers(const nlohmann::json& paths) {
    for (const auto& entry : paths) {
        if (!entry.is_string()) continue;
        const fs::path path = entry.get<std::string>();
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(path, ec))) continue;
        unmount_below(path);
        fs::remove_all(path, ec);
        if (ec) {
            spdlog::warn("cannot remove {}, left by an interrupted request: {}", path.string(), ec.message());
        } else {
            spdlog::info("removed {}, left by an interrupted request", path.string());
        }
    }
}

void thaw(const fs::path& dir) {
    const bool v2 = fs::exists(dir / "cgroup.freeze");
    std::ofstream out(dir / (v2 ? "cgroup.freeze" : "freezer.state"));
    out << (v2 ? "0" : "THAWED");
    out.flush();
    if (!out) spdlog::warn("cannot thaw the freezer cgroup {}", dir.string());
}

std::uint64_t size_of(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) return fs::file_size(path, ec);
    std::uint64_t total = 0;
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
        if (entry.is_regular_file(ec)) total += entry.file_size(ec);
    }
    return total;
}

// The checkpoint was renamed into place whole, or not at all: if it is there, it is ours
// (the dump refused a name that was taken).
void record_published(jobs::Store& store, const nlohmann::json& body) {
    const std::string jid = body.value("jid", "");
    const std::string path = body.value("path", "");
    std::error_code ec;
    if (jid.empty() || path.empty() || !fs::exists(path, ec) || !store.job(jid)) return;
    for (const auto& known : store.checkpoints(jid)) {
        if (known.path == path) return;
    }
    store.add_checkpoint({.id = util::new_uuid(), .jid = jid, .time_unix = body.value("time", std::int64_t{0}), .size = size_of(path),
                          .path = path, .compression = body.value("compression", "")});
    spdlog::info("recorded checkpoint {} of job {}, published by an interrupted dump", path, jid);
}

// A CRIU orphaned by the daemon's death goes on with its dump or restore: what it leaves is
// known once it has ended (a dump's FIFO readers died with the daemon, so it is not long).
void wait_for_criu(const nlohmann::json& body) {
    const auto criu = body.value("criu", nlohmann::json());
    if (!criu.is_array() || criu.size() != 2 || !criu[0].is_number_integer() || !criu[1].is_number_unsigned()) return;
    const int pid = criu[0].get<int>();
    const auto ticks = criu[1].get<std::uint64_t>();
    const auto deadline = std::chrono::steady_clock::now() + kCriuWait;
    while (pid > 0 && jobs::start_ticks(pid) == ticks && !proc::is_zombie(pid)) {
        if (std::chrono::steady_clock::now() > deadline) {
            spdlog::warn("CRIU (PID {}) of an interrupted request still runs after {} s; going on without it", pid,
                         std::chrono::duration_cast<std::chrono::seconds>(kCriuWait).count());
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

void resume_dump(jobs::Store& store, const nlohmann::json& body) {
    for (const auto& dir : body.value("freezers", nlohmann::json::array())) {
        if (dir.is_string()) thaw(dir.get<std::string>());
    }
    for (const auto& process : body.value("processes", nlohmann::json::array())) {
        if (!process.is_array() || process.size() != 2 || !process[0].is_number_integer() || !process[1].is_number_unsigned()) continue;
        const int pid = process[0].get<int>();
        if (pid <= 0 || jobs::start_ticks(pid) != process[1].get<std::uint64_t>()) continue;
        // With what it forked since the tree was written down (a shell loop's next command),
        // which CRIU stopped with it.
        for (const int stopped : proc::tree_of(pid)) {
            if (!proc::is_stopped(stopped)) continue;
            if (::kill(stopped, SIGCONT) != 0) {
                spdlog::warn("cannot continue PID {}, stopped by an interrupted dump: {}", stopped, std::strerror(errno));
            } else {
                spdlog::info("continued PID {}, stopped by an interrupted dump", stopped);
            }
        }
    }
    record_published(store, body);
}

void finish_restore(jobs::Store& store, const nlohmann::json& body) {
    auto job = store.job(body.value("jid", ""));
    if (!job) return;
    // CRIU gives the restored root its old PID; the one it reported, once it had.
    const int pid = body.value("pid", job->pid);
    const std::uint64_t ticks = jobs::start_ticks(pid);
    if (pid <= 0 || ticks == 0 || ticks < body.value("since", std::uint64_t{0}) || proc::is_zombie(pid)) return;
    job->pid = pid;
    job->start_ticks = ticks;
    job->exit_status.reset();
    job->attachable = false;
    job->log = body.value("log", "");
    store.update_job(*job);
    spdlog::info("job {} is PID {}, restored by an interrupted request", job->jid, pid);
}

}  // namespace

void finish_interrupted_work(jobs::Store& store) {
    const auto entries = store.unfinished();
    // Every orphaned CRIU first: a dump's staging is written down before its CRIU's PID, and
    // removing it under a CRIU still writing there leaves what that CRIU writes next.
    for (const auto& entry : entries) {
        const auto body = nlohmann::json::parse(entry.body, nullptr, false);
        if (body.is_object()) wait_for_criu(body);
    }
    for (const auto& entry : entries) {
        const auto body = nlohmann::json::parse(entry.body, nullptr, false);
        try {
            if (body.is_discarded()) {
                spdlog::warn("entry {} of the unfinished work in the job database is not JSON; dropped", entry.id);
            } else if (entry.kind == kLeftoverEntry && body.is_array()) {
                remove_leftovers(body);
            } else if (entry.kind == kDumpEntry && body.is_object()) {
                resume_dump(store, body);
            } else if (entry.kind == kRestoreEntry && body.is_object()) {
                finish_restore(store, body);
            }
        } catch (const std::exception& e) {
            spdlog::warn("cannot finish {} entry {} left by an interrupted request: {}", entry.kind, entry.id, e.what());
        }
        store.remove_unfinished(entry.id);
    }
}

}  // namespace cedana::daemon
