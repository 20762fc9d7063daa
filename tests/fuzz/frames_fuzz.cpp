// One frame of a compressed checkpoint (lz4, zstd, gzip, zlib, or stored), decoded whole into
// a buffer of the size its index claims, as restore does with every frame it serves. The
// input: one byte choosing the codec, three bytes of claimed size (little-endian), the frame.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "fuzz_scratch.hpp"
#include "images/frame_format.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using cedana::images::FrameCodec;
    static const std::array kCodecs{FrameCodec::none, FrameCodec::lz4, FrameCodec::zstd, FrameCodec::gzip, FrameCodec::zlib};
    if (size < 4) return 0;
    const FrameCodec codec = kCodecs[data[0] % kCodecs.size()];
    const std::size_t raw_size = data[1] | (data[2] << 8) | (data[3] << 16);
    std::vector<char> raw(raw_size);
    try {
        cedana::images::decompress_frame(codec, cedana::fuzz::as_text(data + 4, size - 4), std::span<char>(raw));
    } catch (const std::runtime_error&) {
    }
    return 0;
}
