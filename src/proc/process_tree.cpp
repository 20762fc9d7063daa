#include "proc/process_tree.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "util/unique_fd.hpp"

namespace cedana::proc {

namespace fs = std::filesystem;

std::vector<int> tree_of(int root) {
    std::vector<int> tree{root};
    for (std::size_t i = 0; i < tree.size(); ++i) {
        std::error_code ec;
        for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", tree[i]), ec)) {
            std::ifstream children(task.path() / "children");
            for (int child = 0; children >> child;) tree.push_back(child);
        }
    }
    return tree;
}

void signal_tree(int root, int sig) {
    for (const int pid : tree_of(root)) ::kill(pid, sig);
}

void kill_tree(int root, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    const std::vector<int> tree = tree_of(root);
    std::vector<util::UniqueFd> pidfds;
    for (const int pid : tree) {
        // Opened before the kill, so each fd is known to refer to this very process.
        pidfds.emplace_back(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    }
    for (const int pid : tree) ::kill(pid, SIGKILL);
    for (const auto& fd : pidfds) {
        if (!fd) continue;
        pollfd p{fd.get(), POLLIN, 0};
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        ::poll(&p, 1, static_cast<int>(left.count()));
    }
}

bool wait_until_reaped(int pid, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    // Reaping by another process gives no event to wait on, so this polls.
    for (;;) {
        std::ifstream stat(fmt::format("/proc/{}/stat", pid));
        std::string text;
        if (!std::getline(stat, text)) return true;
        const auto close = text.rfind(')');
        const bool zombie = close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
        if (!zombie || std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace cedana::proc
