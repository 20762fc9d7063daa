// The kernel features CRIU needs to checkpoint and restore at all, and the ones only some
// of its modes need (warnings).

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/kcmp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include "health/sections.hpp"
#include "util/unique_fd.hpp"

namespace cedana::health {
namespace {

struct KernelVersion {
    int major = 0;
    int minor = 0;
};

std::string errno_text(int err) { return std::generic_category().message(err); }

bool exists(const char* path) {
    struct stat st {};
    return ::stat(path, &st) == 0;
}

// Releases look like "6.1.0-18-amd64" or "5.15.0-91-generic".
std::optional<KernelVersion> parse_release(std::string_view release) {
    KernelVersion version;
    const char* const end = release.data() + release.size();
    auto [dot, ec] = std::from_chars(release.data(), end, version.major);
    if (ec != std::errc{} || dot == end || *dot != '.') return std::nullopt;
    ec = std::from_chars(dot + 1, end, version.minor).ec;
    if (ec != std::errc{}) return std::nullopt;
    return version;
}

Result map_files_row() {
    if (exists("/proc/self/map_files")) return ok("map_files", "present");
    return error("map_files", "missing",
                 "kernel needs CONFIG_CHECKPOINT_RESTORE (CRIU dumps mapped files through it)");
}

Result ns_last_pid_row() {
    if (exists("/proc/sys/kernel/ns_last_pid")) return ok("ns_last_pid", "present");
    return error("ns_last_pid", "missing", "kernel needs CONFIG_CHECKPOINT_RESTORE (CRIU restores PIDs with it)");
}

Result kcmp_row() {
    const pid_t self = ::getpid();
    if (::syscall(SYS_kcmp, self, self, KCMP_VM, 0, 0) == 0) return ok("kcmp", "works");
    return error("kcmp", errno_text(errno), "kernel needs CONFIG_KCMP (CRIU finds shared resources with it)");
}

Result clone3_row(std::string_view release) {
    const auto version = parse_release(release);
    if (!version) return error("clone3 set_tid", "unknown", fmt::format("cannot read a version from \"{}\"", release));
    if (version->major > 5 || (version->major == 5 && version->minor >= 5)) return ok("clone3 set_tid", "supported");
    return error("clone3 set_tid", "unsupported", "needs kernel 5.5 or newer to restore processes with their PIDs");
}

class Mapping {
public:
    explicit Mapping(std::size_t size)
        : size_(size), address_(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) {}
    ~Mapping() {
        if (address_ != MAP_FAILED) ::munmap(address_, size_);
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;

    [[nodiscard]] bool valid() const { return address_ != MAP_FAILED; }
    [[nodiscard]] volatile char* data() const { return static_cast<volatile char*>(address_); }

private:
    std::size_t size_;
    void* address_;
};

// Why the soft-dirty bit cannot be relied on, or nothing when it works. Both /proc files
// exist even on kernels built without CONFIG_MEM_SOFT_DIRTY, so this probes for real:
// clear the bits, dirty a page, and read the bit back from pagemap.
std::optional<std::string> soft_dirty_problem() {
    constexpr std::uint64_t kSoftDirty = std::uint64_t{1} << 55;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));

    util::UniqueFd clear_refs(::open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC));
    if (!clear_refs) return fmt::format("/proc/self/clear_refs: {}", errno_text(errno));
    util::UniqueFd pagemap(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC));
    if (!pagemap) return fmt::format("/proc/self/pagemap: {}", errno_text(errno));
    Mapping mapping(page);
    if (!mapping.valid()) return fmt::format("mmap: {}", errno_text(errno));

    mapping.data()[0] = 1;
    if (::write(clear_refs.get(), "4", 1) != 1) return fmt::format("clearing soft-dirty bits: {}", errno_text(errno));
    mapping.data()[0] = 2;

    std::uint64_t entry = 0;
    const auto offset = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(mapping.data()) / page * sizeof entry);
    if (::pread(pagemap.get(), &entry, sizeof entry, offset) != static_cast<ssize_t>(sizeof entry)) {
        return fmt::format("/proc/self/pagemap: {}", errno_text(errno));
    }
    if ((entry & kSoftDirty) == 0) return std::string("off");
    return std::nullopt;
}

Result soft_dirty_row() {
    if (const auto problem = soft_dirty_problem()) {
        return warning("Soft-dirty tracking", *problem,
                       "pre-dump and incremental checkpoints need CONFIG_MEM_SOFT_DIRTY");
    }
    return ok("Soft-dirty tracking", "works");
}

Result userfaultfd_row() {
    util::UniqueFd uffd(static_cast<int>(::syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK)));
    if (uffd) return ok("userfaultfd", "works");
    return warning("userfaultfd", errno_text(errno), "lazy restore needs CONFIG_USERFAULTFD (and root)");
}

}  // namespace

Section kernel_section() {
    Section section{"Kernel", {}};
    struct utsname names {};
    if (::uname(&names) != 0) {
        section.results.push_back(error("Version", errno_text(errno), "uname failed"));
    } else {
        section.results.push_back(ok("Version", names.release));
    }
    section.results.push_back(map_files_row());
    section.results.push_back(ns_last_pid_row());
    section.results.push_back(kcmp_row());
    section.results.push_back(clone3_row(names.release));
    section.results.push_back(soft_dirty_row());
    section.results.push_back(userfaultfd_row());
    return section;
}

}  // namespace cedana::health
