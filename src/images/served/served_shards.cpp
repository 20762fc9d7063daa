#include "images/served/served_shards.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "images/shards/shard_format.hpp"
#include "util/error.hpp"

namespace cedana::images::served {

namespace fs = std::filesystem;

namespace {

void check_size(const fs::path& path, std::uint64_t expected) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) fail(ErrorKind::invalid_argument, "shard {} cannot be read: {}", path.filename().string(), std::strerror(errno));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size < expected) {
        fail(ErrorKind::invalid_argument, "shard {} is truncated: it holds {} bytes of the {} its dump wrote; the checkpoint is incomplete",
             path.filename().string(), size, expected);
    }
    if (size > expected) {
        fail(ErrorKind::invalid_argument, "shard {} is corrupted: it holds {} bytes, its dump wrote {}", path.filename().string(), size, expected);
    }
}

}  // namespace

std::unique_ptr<ServedImages> serve_shards(const shards::ShardLayout& layout, shards::ShardIndex index, const fs::path& dir) {
    std::vector<std::unique_ptr<FrameStream>> streams;
    for (auto& stream : index.streams) {
        const fs::path& path = layout.shards.at(static_cast<std::size_t>(stream.shard));
        check_size(path, stream.file_size);
        streams.push_back(std::make_unique<FrameStream>(path, "shard " + path.filename().string(), shards::shard_codec(layout.compression), std::move(stream.frames)));
    }
    return std::make_unique<ServedImages>(std::move(streams), std::move(index.files), dir);
}

}  // namespace cedana::images::served
