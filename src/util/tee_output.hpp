#pragma once
// A ByteOutput written to two at once: a migration's shards go into the local checkpoint
// (from which the job comes back here if the target fails) and to the target as CRIU dumps.

#include <memory>

#include "util/byte_output.hpp"

namespace cedana::util {

class TeeOutput final : public ByteOutput {
public:
    TeeOutput(std::unique_ptr<ByteOutput> first, std::unique_ptr<ByteOutput> second) : first_(std::move(first)), second_(std::move(second)) {}

    void append(const char* data, std::size_t size) override {
        first_->append(data, size);
        second_->append(data, size);
    }
    // Both are at the same size, so the room reserved is at the same offset in each.
    std::uint64_t reserve(std::size_t size) override {
        const auto at = first_->reserve(size);
        second_->reserve(size);
        return at;
    }
    void fill(std::uint64_t offset, const char* data, std::size_t size) override {
        first_->fill(offset, data, size);
        second_->fill(offset, data, size);
    }
    void finish() override {
        first_->finish();
        second_->finish();
    }
    [[nodiscard]] std::uint64_t size() const override { return first_->size(); }

private:
    std::unique_ptr<ByteOutput> first_;
    std::unique_ptr<ByteOutput> second_;
};

}  // namespace cedana::util
