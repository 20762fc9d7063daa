// The shards of a streamed checkpoint (`dump --streams N`) from anywhere: their records,
// img-0's index of the memory images, and the frames the memory images are served from.
// The input: one byte choosing the compression and the number of shards (2 or 3), then
// each shard as a 4-byte little-endian length and its bytes (the last takes what is left).

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz_scratch.hpp"
#include "images/served/frame_stream.hpp"
#include "images/shards/shard_format.hpp"
#include "images/shards/shard_index.hpp"
#include "images/shards/shard_unpack.hpp"

namespace {

using namespace cedana::images;

// Every byte of every memory stream, frame by frame, as a restore would read it.
void read_streams(const shards::ShardLayout& layout, const shards::ShardIndex& index) {
    for (const auto& stream : index.streams) {
        served::FrameStream frames(layout.shards.at(static_cast<std::size_t>(stream.shard)), "shard", shards::shard_codec(layout.compression),
                                   stream.frames);
        std::uint64_t total = 0;
        if (!stream.frames.empty()) total = stream.frames.back().raw_offset + stream.frames.back().raw_size;
        std::vector<served::Slice> slices;
        for (std::uint64_t at = 0; at < total; at += 1 << 20) {
            slices.clear();
            frames.read(at, std::min<std::uint64_t>(1 << 20, total - at), slices);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::array kCompressions{Compression::none, Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd};
    if (size < 1) return 0;
    const Compression compression = kCompressions[data[0] % kCompressions.size()];
    const int count = 2 + (data[0] / kCompressions.size()) % 2;
    auto& scratch = cedana::fuzz::Scratch::get();
    scratch.fresh();
    shards::ShardLayout layout{.compression = compression, .shards = {}};
    std::size_t at = 1;
    for (int i = 0; i < count; ++i) {
        std::size_t length = size - at;
        if (i + 1 < count && size - at >= 4) {
            std::uint32_t prefix = 0;
            std::memcpy(&prefix, data + at, 4);
            at += 4;
            length = std::min<std::size_t>(prefix, size - at);
        }
        layout.shards.push_back(scratch.put(shards::shard_name(i, compression), cedana::fuzz::as_text(data + at, length)));
        at += length;
    }
    try {
        if (const auto index = shards::unpack_shards(layout, scratch.out())) read_streams(layout, shards::decode_index(*index, count));
    } catch (const std::runtime_error&) {
    }
    scratch.check_contained();
    return 0;
}
