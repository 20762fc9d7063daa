#pragma once
// Writing a whole buffer at an offset, through short writes and EINTR.

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "util/error.hpp"

namespace cedana::util {

// Throws cedana::Error(failed_precondition) naming `path` when the write fails (disk full).
inline void pwrite_all(int fd, const char* data, std::size_t size, std::uint64_t offset, const std::filesystem::path& path) {
    while (size > 0) {
        const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(ErrorKind::failed_precondition, "cannot write {}: {}", path.string(), std::strerror(errno));
        data += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}

}  // namespace cedana::util
