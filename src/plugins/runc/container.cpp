#include "plugins/runc/container.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <set>

#include <spdlog/spdlog.h>

#include "jobs/process_state.hpp"
#include "plugins/runc/freezer.hpp"
#include "plugins/runc/runtime.hpp"
#include "proc/process_info.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;

void check_id(const std::string& id, const char* flag) {
    static const std::regex valid(R"([A-Za-z0-9_+.-]+)");
    if (!std::regex_match(id, valid) || id == "." || id == "..") {
        fail(ErrorKind::invalid_argument, "{} \"{}\": a container id may hold only letters, digits and _ + . -", flag, id);
    }
}

std::optional<Container> find_container(const std::string& root, const std::string& id) {
    Container c;
    c.id = id;
    c.root = root;
    c.dir = fs::path(root) / id;
    std::ifstream in(c.dir / "state.json");
    if (!in) return std::nullopt;
    try {
        c.state = nlohmann::json::parse(in);
        c.pid = c.state.value("init_process_pid", 0);
        c.start = c.state.value("init_process_start", std::uint64_t{0});
        static const nlohmann::json none = nlohmann::json::object();
        const auto config_it = c.state.find("config");
        const nlohmann::json& config = config_it != c.state.end() && config_it->is_object() ? *config_it : none;
        c.rootfs = config.value("rootfs", "");
        if (const auto labels = config.find("labels"); labels != config.end() && labels->is_array()) {
            for (const auto& label : *labels) {
                if (label.is_string() && label.get<std::string>().starts_with("bundle=")) c.bundle = label.get<std::string>().substr(7);
            }
        }
        if (const auto paths = c.state.find("cgroup_paths"); paths != c.state.end() && paths->is_object()) {
            for (const auto& [controller, path] : paths->items()) {
                if (path.is_string()) c.cgroup_paths[controller] = path.get<std::string>();
            }
        }
    } catch (const nlohmann::json::exception& e) {
        fail(ErrorKind::failed_precondition, "cannot read runc's state of container {} ({}): {}", id, (c.dir / "state.json").string(), e.what());
    }
    return c;
}

Container load_container(const std::string& root, const std::string& id) {
    auto c = find_container(root, id);
    if (!c) fail(ErrorKind::not_found, "no runc container {} under {} (see `runc --root {} list`)", id, root, root);
    return std::move(*c);
}

std::string freezer_dir(const Container& c) {
    if (const auto it = c.cgroup_paths.find("freezer"); it != c.cgroup_paths.end()) return it->second;
    if (const auto it = c.cgroup_paths.find(""); it != c.cgroup_paths.end()) return it->second;
    return "";
}

std::string status_of(const Container& c) {
    if (const std::string freezer = freezer_dir(c); !freezer.empty() && is_frozen(freezer)) return "paused";
    const auto st = proc::read_stat(c.pid);
    if (c.pid <= 0 || !st || st->state == 'Z' || st->state == 'X' || jobs::start_ticks(c.pid) != c.start) return "stopped";
    std::error_code ec;
    if (fs::exists(c.dir / "exec.fifo", ec)) return "created";
    return "running";
}

std::vector<int> container_pids(const Container& c) {
    std::string dir;
    if (const auto it = c.cgroup_paths.find("devices"); it != c.cgroup_paths.end()) dir = it->second;
    if (dir.empty()) dir = freezer_dir(c);
    std::set<int> pids;
    std::error_code ec;
    if (!dir.empty() && fs::is_directory(dir, ec)) {
        for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->path().filename() != "cgroup.procs") continue;
            std::ifstream in(it->path());
            for (int pid = 0; in >> pid;) pids.insert(pid);
        }
        std::ifstream in(fs::path(dir) / "cgroup.procs");
        for (int pid = 0; in >> pid;) pids.insert(pid);
    }
    if (pids.empty() && c.pid > 0 && proc::exists(c.pid)) pids.insert(c.pid);
    return {pids.begin(), pids.end()};
}

namespace {

bool has_poststop_hooks(const Container& c) {
    const auto config = c.state.find("config");
    if (config == c.state.end() || !config->is_object()) return false;
    const auto hooks = config->find("Hooks");
    if (hooks == config->end() || !hooks->is_object()) return false;
    const auto poststop = hooks->find("poststop");
    return poststop != hooks->end() && poststop->is_array() && !poststop->empty();
}

}  // namespace

void destroy(const Container& c) {
    using namespace std::chrono_literals;
    if (has_poststop_hooks(c)) {
        run_runc(c.root, {"delete", "--force", c.id});
        return;
    }
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        const auto pids = container_pids(c);
        const bool left = std::ranges::any_of(pids, [](int pid) { return proc::exists(pid) && !proc::is_zombie(pid); });
        if (!left) break;
        for (const int pid : pids) ::kill(pid, SIGKILL);
        // Frozen tasks die only once thawed, and run nothing of their own before.
        if (const std::string freezer = freezer_dir(c); !freezer.empty() && is_frozen(freezer)) thaw_cgroup(freezer);
        if (std::chrono::steady_clock::now() > deadline) {
            fail(ErrorKind::failed_precondition, "the processes of container {} did not end after SIGKILL; remove it with runc --root {} delete --force {}",
                 c.id, c.root, c.id);
        }
        std::this_thread::sleep_for(1ms);
    }
    for (const auto& [controller, dir] : c.cgroup_paths) {
        // A cgroup shared by several controllers' paths is removed once.
        if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) spdlog::warn("cannot remove cgroup {} of container {}: {}", dir, c.id, std::strerror(errno));
    }
    std::error_code ec;
    fs::remove_all(c.dir, ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot remove runc's state of container {} ({}): {}", c.id, c.dir.string(), ec.message());
}

void write_state(const fs::path& dir, const nlohmann::json& state) {
    std::string tmp = (dir / "state-XXXXXX").string();
    util::UniqueFd fd(::mkstemp(tmp.data()));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot write runc's state in {}: {}", dir.string(), std::strerror(errno));
    const std::string text = state.dump();
    bool ok = ::fchmod(fd.get(), 0600) == 0;
    for (std::size_t done = 0; ok && done < text.size();) {
        const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        ok = n > 0;
        if (ok) done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd.get()) == 0;
    const int saved = errno;
    fd.reset();
    if (!ok || ::rename(tmp.c_str(), (dir / "state.json").c_str()) != 0) {
        const int why = ok ? errno : saved;
        ::unlink(tmp.c_str());
        fail(ErrorKind::failed_precondition, "cannot write runc's state in {}: {}", dir.string(), std::strerror(why));
    }
}

}  // namespace cedana::plugins::runc
