#pragma once
// A ByteOutput that counts what goes through it into a TransferProgress: the bytes of an
// upload as the dump produces them (at most the upload's window ahead of the wire).

#include <memory>

#include "util/byte_output.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::util {

class CountedOutput final : public ByteOutput {
public:
    CountedOutput(std::unique_ptr<ByteOutput> out, std::shared_ptr<TransferProgress> progress)
        : out_(std::move(out)), progress_(std::move(progress)) {}

    void append(const char* data, std::size_t size) override {
        out_->append(data, size);
        progress_->add(size);
    }
    std::uint64_t reserve(std::size_t size) override {
        const auto at = out_->reserve(size);
        progress_->add(size);
        return at;
    }
    void fill(std::uint64_t offset, const char* data, std::size_t size) override { out_->fill(offset, data, size); }
    void finish() override { out_->finish(); }
    [[nodiscard]] std::uint64_t size() const override { return out_->size(); }

private:
    std::unique_ptr<ByteOutput> out_;
    std::shared_ptr<TransferProgress> progress_;
};

}  // namespace cedana::util
