// Process privileges and the pipe limits that bound streaming checkpoints.

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <optional>

#include "health/sections.hpp"

namespace cedana::health {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kWantedPipeSize = 4 * kMiB;
constexpr std::uint64_t kWantedPipePages = 65536;

std::optional<std::uint64_t> read_number(const char* path) {
    std::ifstream in(path);
    std::uint64_t value = 0;
    if (!(in >> value)) return std::nullopt;
    return value;
}

// 1048576 -> "1 MiB", 1536 -> "1.5 KiB": limits are powers of two, so binary units read best.
std::string binary_size(std::uint64_t bytes) {
    constexpr std::array<const char*, 5> units{"B", "KiB", "MiB", "GiB", "TiB"};
    std::size_t unit = 0;
    std::uint64_t scale = 1;
    while (unit + 1 < units.size() && bytes >= scale * 1024) {
        scale *= 1024;
        ++unit;
    }
    if (bytes % scale == 0) return fmt::format("{} {}", bytes / scale, units[unit]);
    return fmt::format("{:.1f} {}", static_cast<double>(bytes) / static_cast<double>(scale), units[unit]);
}

Result root_row() {
    const uid_t euid = ::geteuid();
    if (euid == 0) return ok("Root", "yes");
    return error("Root", fmt::format("no (euid {})", euid), "run cedana as root");
}

Result pipe_max_size_row() {
    constexpr const char* path = "/proc/sys/fs/pipe-max-size";
    const auto size = read_number(path);
    if (!size) return error("Pipe max size", fmt::format("cannot read {}", path), "is /proc mounted?");
    if (*size < kWantedPipeSize) {
        return warning("Pipe max size", binary_size(*size),
                       "raise it for streaming: sysctl -w fs.pipe-max-size=4194304");
    }
    return ok("Pipe max size", binary_size(*size));
}

Result pipe_user_pages_row() {
    constexpr const char* path = "/proc/sys/fs/pipe-user-pages-soft";
    const auto pages = read_number(path);
    if (!pages) return error("Pipe user pages (soft)", fmt::format("cannot read {}", path), "is /proc mounted?");
    if (*pages == 0) return ok("Pipe user pages (soft)", "unlimited");
    const auto value = fmt::format("{} pages", *pages);
    if (*pages < kWantedPipePages) {
        return warning("Pipe user pages (soft)", value,
                       "raise it for streaming: sysctl -w fs.pipe-user-pages-soft=65536");
    }
    return ok("Pipe user pages (soft)", value);
}

}  // namespace

Section system_section() { return Section{"System", {root_row(), pipe_max_size_row(), pipe_user_pages_row()}}; }

}  // namespace cedana::health
