#include "images/architecture.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "images/inspect/image_reader.hpp"
#include "util/error.hpp"

namespace cedana::images {

namespace {

// CRIU's core_entry.march, by value (images/core.proto).
constexpr std::array<std::string_view, 9> kMarch{"unknown", "x86_64", "arm", "aarch64", "ppc64", "s390", "mips", "loongarch64", "riscv64"};
constexpr int kCoreMtype = 1;

std::string name_of_march(std::uint64_t value) {
    if (value < kMarch.size()) return std::string(kMarch[value]);
    return fmt::format("an unknown architecture ({})", value);
}

}  // namespace

std::optional<std::string> checkpoint_architecture(const std::filesystem::path& dir, int pid) {
    const auto core = inspect::read_image_if_present(dir / fmt::format("core-{}.img", pid), inspect::magic::core);
    if (!core) return std::nullopt;
    if (core->entries.empty()) fail(ErrorKind::failed_precondition, "{} is corrupted: it holds no core entry", core->path.string());
    return name_of_march(core->entries.front().required_varint(kCoreMtype, "mtype"));
}

std::string host_architecture() {
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#elif defined(__powerpc64__)
    return "ppc64";
#elif defined(__s390x__)
    return "s390";
#elif defined(__riscv) && __riscv_xlen == 64
    return "riscv64";
#elif defined(__loongarch64)
    return "loongarch64";
#else
    return "unknown";
#endif
}

void check_architecture(const std::filesystem::path& dir, int pid, const std::string& shown_as) {
    const auto made_on = checkpoint_architecture(dir, pid);
    if (made_on && *made_on != host_architecture()) {
        fail(ErrorKind::invalid_argument, "{} was made on {}, this machine is {}: CRIU restores a checkpoint only on the architecture it was made on",
             shown_as, *made_on, host_architecture());
    }
}

}  // namespace cedana::images
