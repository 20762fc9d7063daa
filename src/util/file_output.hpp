#pragma once
// A ByteOutput into a new local file; reserved room is written as zeros, filled in place.

#include <atomic>
#include <filesystem>
#include <string>

#include "util/byte_output.hpp"
#include "util/unique_fd.hpp"

namespace cedana::util {

class FileOutput final : public ByteOutput {
public:
    // Creates `path`, which must not exist. Throws cedana::Error when it cannot. The caller
    // removes the file when what it holds is not completed. A failed write names `label`
    // (default: the path): a user knows "the checkpoint archive", not its partial file.
    explicit FileOutput(const std::filesystem::path& path, std::string label = {});

    void append(const char* data, std::size_t size) override;
    std::uint64_t reserve(std::size_t size) override;
    void fill(std::uint64_t offset, const char* data, std::size_t size) override;
    void finish() override {}
    [[nodiscard]] std::uint64_t size() const override { return size_; }

private:
    std::filesystem::path label_;
    UniqueFd fd_;
    std::atomic<std::uint64_t> size_ = 0;
};

}  // namespace cedana::util
