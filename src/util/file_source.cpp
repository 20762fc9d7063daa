#include "util/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace cedana::util {

FileSource::FileSource(const std::filesystem::path& path, std::string label)
    : label_(std::move(label)), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (!fd_) fail(ErrorKind::not_found, "cannot open {}: {}", label_, std::strerror(errno));
    struct stat st{};
    if (::fstat(fd_.get(), &st) != 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", label_, std::strerror(errno));
    size_ = static_cast<std::uint64_t>(st.st_size);
}

std::size_t FileSource::read_at(std::uint64_t offset, std::size_t size, char* into) {
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(fd_.get(), into + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", label_, std::strerror(errno));
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    return got;
}

}  // namespace cedana::util
