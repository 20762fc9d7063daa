#include "images/served/served_shards.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "images/shards/shard_format.hpp"
#include "util/error.hpp"

namespace cedana::images::served {

namespace fs = std::filesystem;

namespace {

void check_size(const std::string& shard, std::uint64_t size, std::uint64_t expected) {
    if (size < expected) {
        fail(ErrorKind::invalid_argument, "shard {} is truncated: it holds {} bytes of the {} its dump wrote; the checkpoint is incomplete", shard,
             size, expected);
    }
    if (size > expected) fail(ErrorKind::invalid_argument, "shard {} is corrupted: it holds {} bytes, its dump wrote {}", shard, size, expected);
}

void check_size(const fs::path& path, std::uint64_t expected) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) fail(ErrorKind::invalid_argument, "shard {} cannot be read: {}", path.filename().string(), std::strerror(errno));
    check_size(path.filename().string(), static_cast<std::uint64_t>(st.st_size), expected);
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

std::unique_ptr<ServedImages> serve_shard_sources(const shards::ShardLayout& layout, const std::vector<std::shared_ptr<util::ByteSource>>& sources,
                                                  const shards::Preamble& first, shards::ShardIndex index, const fs::path& dir) {
    std::vector<std::unique_ptr<FrameStream>> streams;
    for (auto& stream : index.streams) {
        const auto at = static_cast<std::size_t>(stream.shard);
        const std::string shard = layout.shards.at(at).filename().string();
        const auto& source = sources.at(at - 1);
        check_size(shard, source->size(), stream.file_size);
        auto served = std::make_unique<FrameStream>(source, "shard " + shard, shards::shard_codec(layout.compression), std::move(stream.frames),
                                                    FrameStream::kRemoteAhead);
        std::vector<Slice> slices;
        served->read(0, shards::kPreambleSize, slices);
        std::string bytes;
        for (const auto& s : slices) bytes.append(s.data, s.size);
        shards::check_preamble(shards::decode_preamble(bytes, shard), at, &first, layout.shards.size(), shard, layout.shards.at(at).parent_path());
        streams.push_back(std::move(served));
    }
    return std::make_unique<ServedImages>(std::move(streams), std::move(index.files), dir);
}

}  // namespace cedana::images::served
