#include "images/shards/sharded_memory_capture.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "images/memory_image_fifos.hpp"
#include "util/error.hpp"

namespace cedana::images::shards {

namespace fs = std::filesystem;

namespace {

// A whole default-sized pipe per read.
constexpr std::size_t kReadSize = 1u << 20;

struct Image {
    std::string name;
    std::uint64_t offset = 0;
    StreamingChecksum sum;
};

}  // namespace

struct ShardedMemoryCapture::State {
    ShardSet& shards;
    std::vector<Image> images;
    std::map<std::string, FileSum> sums;
    int next_shard = 1;
    std::optional<MemoryImageFifos> fifos;

    explicit State(ShardSet& s) : shards(s) {}

    bool drain(std::size_t index, int fd) {
        Image& image = images.at(index);
        const ssize_t n = shards.read_into(next_shard, image.name, image.offset, fd, kReadSize,
                                           [&image](std::span<const char> data) { image.sum.update(data.data(), data.size()); });
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
        if (n < 0) fail(ErrorKind::internal, "cannot read image {} from CRIU: {}", image.name, std::strerror(errno));
        if (n == 0) {
            // An image CRIU opened and closed empty is still a file of the checkpoint.
            if (image.offset == 0) shards.put(1, image.name, 0, {});
            sums[image.name] = image.sum.finish();
            return false;
        }
        image.offset += static_cast<std::uint64_t>(n);
        next_shard = next_shard + 1 < shards.count() ? next_shard + 1 : 1;
        return true;
    }
};

ShardedMemoryCapture::ShardedMemoryCapture(const fs::path& dir, int count, ShardSet& shards) : state_(std::make_unique<State>(shards)) {
    if (shards.count() < 2) throw std::logic_error("a sharded capture needs a memory shard");
    State& s = *state_;
    for (int i = 1; i <= count; ++i) s.images.push_back(Image{.name = fmt::format("pages-{}.img", i), .offset = 0, .sum = {}});
    s.fifos.emplace(dir, count, [&s](std::size_t image, int fd) { return s.drain(image, fd); });
}

ShardedMemoryCapture::~ShardedMemoryCapture() = default;

std::map<std::string, FileSum> ShardedMemoryCapture::finish() {
    state_->fifos->finish();
    return std::move(state_->sums);
}

std::exception_ptr ShardedMemoryCapture::error() const { return state_->fifos->error(); }

}  // namespace cedana::images::shards
