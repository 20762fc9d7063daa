#pragma once
// The checkpoint's processes: pstree.img for the tree, core-<pid>.img for each one's
// command name and state, and its kernel-object ids (which fdinfo image is its).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cedana::images::inspect {

struct Process {
    std::uint32_t pid = 0;
    std::uint32_t ppid = 0;
    std::uint32_t pgid = 0;
    std::uint32_t sid = 0;
    std::vector<std::uint32_t> threads;
    std::string comm;
    std::string state;                      // "alive", "dead", "stopped", "zombie", ...
    std::optional<std::uint32_t> files_id;  // N of its fdinfo-N.img
    std::optional<std::uint32_t> vm_id;

    // Whether it had an address space when dumped (dead and zombie tasks have none).
    [[nodiscard]] bool has_memory() const { return state != "dead" && state != "zombie"; }
};

// Every process in pstree.img, in its order (parents before children).
std::vector<Process> read_processes(const std::filesystem::path& dir);

// The "ps" table.
std::string describe_ps(const std::filesystem::path& dir);

}  // namespace cedana::images::inspect
