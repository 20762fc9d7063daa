#pragma once
// A ByteSource over a local file, read with pread.

#include <filesystem>
#include <string>

#include "util/byte_source.hpp"
#include "util/unique_fd.hpp"

namespace cedana::util {

class FileSource final : public ByteSource {
public:
    // Throws cedana::Error(not_found) naming `label` when `path` cannot be opened.
    FileSource(const std::filesystem::path& path, std::string label);

    [[nodiscard]] std::uint64_t size() const override { return size_; }
    std::size_t read_at(std::uint64_t offset, std::size_t size, char* into) override;

private:
    std::string label_;
    UniqueFd fd_;
    std::uint64_t size_ = 0;
};

}  // namespace cedana::util
