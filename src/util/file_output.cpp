#include "util/file_output.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "util/error.hpp"
#include "util/write_all.hpp"

namespace cedana::util {

FileOutput::FileOutput(const std::filesystem::path& path, std::string label) : label_(label.empty() ? path : std::filesystem::path(label)) {
    fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd_) fail(ErrorKind::failed_precondition, "cannot create {}: {}", path.string(), std::strerror(errno));
}

void FileOutput::append(const char* data, std::size_t size) {
    pwrite_all(fd_.get(), data, size, size_, label_);
    size_ += size;
}

std::uint64_t FileOutput::reserve(std::size_t size) {
    const std::uint64_t at = size_;
    const std::string zeros(size, '\0');
    append(zeros.data(), zeros.size());
    return at;
}

void FileOutput::fill(std::uint64_t offset, const char* data, std::size_t size) { pwrite_all(fd_.get(), data, size, offset, label_); }

}  // namespace cedana::util
