#include "plugins/runc/freezer.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "util/error.hpp"

namespace cedana::plugins::runc {

namespace fs = std::filesystem;

namespace {

using namespace std::chrono_literals;

constexpr auto kFreezeWait = 10s;
constexpr auto kPoll = 1ms;

std::string read_first_line(const fs::path& file) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

void write(const fs::path& file, const std::string& value) {
    std::ofstream out(file);
    out << value;
    out.flush();
    if (!out) fail(ErrorKind::failed_precondition, "cannot write {} to {}", value, file.string());
}

bool is_v2(const fs::path& dir) { return fs::exists(dir / "cgroup.freeze"); }

bool v2_frozen(const fs::path& dir) {
    std::ifstream in(dir / "cgroup.events");
    for (std::string line; std::getline(in, line);) {
        if (line == "frozen 1") return true;
    }
    return false;
}

}  // namespace

bool is_frozen(const std::string& dir) {
    if (is_v2(dir)) return v2_frozen(dir);
    return read_first_line(fs::path(dir) / "freezer.state") == "FROZEN" && read_first_line(fs::path(dir) / "freezer.self_freezing") == "1";
}

void freeze_cgroup(const std::string& dir) {
    const bool v2 = is_v2(dir);
    if (!v2 && !fs::exists(fs::path(dir) / "freezer.state")) {
        fail(ErrorKind::failed_precondition, "the container's freezer cgroup {} does not exist", dir);
    }
    // FREEZING lasts while a task is in an uninterruptible sleep; v1 gets there by writing
    // FROZEN again until it reads back FROZEN.
    const auto deadline = std::chrono::steady_clock::now() + kFreezeWait;
    if (v2) write(fs::path(dir) / "cgroup.freeze", "1");
    for (;;) {
        if (!v2) write(fs::path(dir) / "freezer.state", "FROZEN");
        if (v2 ? v2_frozen(dir) : read_first_line(fs::path(dir) / "freezer.state") == "FROZEN") return;
        if (std::chrono::steady_clock::now() > deadline) {
            thaw_cgroup(dir);
            fail(ErrorKind::failed_precondition, "the tasks of cgroup {} did not all freeze within {} s; it was thawed again", dir,
                 std::chrono::duration_cast<std::chrono::seconds>(kFreezeWait).count());
        }
        std::this_thread::sleep_for(kPoll);
    }
}

void thaw_cgroup(const std::string& dir) {
    if (is_v2(dir)) {
        write(fs::path(dir) / "cgroup.freeze", "0");
    } else {
        write(fs::path(dir) / "freezer.state", "THAWED");
    }
}

}  // namespace cedana::plugins::runc
