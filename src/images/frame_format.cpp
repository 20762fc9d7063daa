#include "images/frame_format.hpp"

#include <lz4frame.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

#include "util/error.hpp"

namespace cedana::images {

namespace {

// Level 1 for zstd, like lz4's default: checkpoints are large and the user waits for them.
constexpr int kZstdLevel = 1;

constexpr std::size_t kMaxStored = 64 * 1024;

LZ4F_preferences_t lz4_preferences() {
    LZ4F_preferences_t prefs{};
    prefs.frameInfo.blockSizeID = LZ4F_max4MB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    // Any value asks for the frame's real content size in its header: a restore finds
    // where each frame's bytes belong without decoding them (served/archive_frames.hpp).
    prefs.frameInfo.contentSize = 1;
    return prefs;
}

std::size_t lz4_frame(std::string_view input, std::string& frame) {
    static const LZ4F_preferences_t prefs = lz4_preferences();
    const std::size_t bound = LZ4F_compressFrameBound(input.size(), &prefs);
    if (frame.size() < bound) frame.resize(bound);
    const std::size_t size = LZ4F_compressFrame(frame.data(), frame.size(), input.data(), input.size(), &prefs);
    if (LZ4F_isError(size)) fail(ErrorKind::internal, "lz4 compression failed: {}", LZ4F_getErrorName(size));
    return size;
}

// A content checksum in every frame, so corruption is caught while extracting.
std::size_t zstd_frame(std::string_view input, std::string& frame) {
    struct Context {
        ZSTD_CCtx* cctx = ZSTD_createCCtx();
        Context() {
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, kZstdLevel);
            ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
        }
        ~Context() { ZSTD_freeCCtx(cctx); }
        Context(const Context&) = delete;
        Context& operator=(const Context&) = delete;
    };
    thread_local Context ctx;
    if (ctx.cctx == nullptr) fail(ErrorKind::internal, "cannot start zstd compression");
    const std::size_t bound = ZSTD_compressBound(input.size());
    if (frame.size() < bound) frame.resize(bound);
    const std::size_t size = ZSTD_compress2(ctx.cctx, frame.data(), frame.size(), input.data(), input.size());
    if (ZSTD_isError(size)) fail(ErrorKind::internal, "zstd compression failed: {}", ZSTD_getErrorName(size));
    return size;
}

void put_le(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// LZ4 frame format: magic, descriptor (version 01, independent blocks, 64 KiB blocks, no
// checksums or content size), its header checksum, one block marked uncompressed (high bit
// of its size), the end mark.
constexpr std::size_t kLz4Overhead = 4 + 3 + 4 + 4;

std::string lz4_stored(std::string_view raw) {
    std::string out;
    out.reserve(raw.size() + kLz4Overhead);
    put_le(out, 0x184D2204u, 4);
    const unsigned char descriptor[2] = {0x60, 0x40};
    out.append(reinterpret_cast<const char*>(descriptor), 2);
    out.push_back(static_cast<char>((XXH32(descriptor, 2, 0) >> 8) & 0xff));
    put_le(out, 0x80000000u | raw.size(), 4);
    out.append(raw);
    put_le(out, 0, 4);
    return out;
}

// zstd frame format (RFC 8878): magic, a single-segment header whose content size takes one
// byte below 256 and two (minus 256) from there, one raw block that is also the last.
std::size_t zstd_size_field(std::size_t raw_size) { return raw_size < 256 ? 1 : 2; }

std::string zstd_stored(std::string_view raw) {
    std::string out;
    put_le(out, 0xFD2FB528u, 4);
    if (zstd_size_field(raw.size()) == 1) {
        out.push_back(static_cast<char>(0x20));
        put_le(out, raw.size(), 1);
    } else {
        out.push_back(static_cast<char>(0x60));
        put_le(out, raw.size() - 256, 2);
    }
    put_le(out, 1u | (raw.size() << 3), 3);
    out.append(raw);
    return out;
}

// One gzip member or zlib stream, at level 1 like the archives.
std::size_t deflate_frame(std::string_view input, std::string& frame, int window_bits) {
    z_stream zs{};
    if (deflateInit2(&zs, 1, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) fail(ErrorKind::internal, "cannot start deflate");
    const std::size_t bound = deflateBound(&zs, static_cast<uLong>(input.size())) + 32;
    if (frame.size() < bound) frame.resize(bound);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zs.avail_in = static_cast<uInt>(input.size());
    zs.next_out = reinterpret_cast<Bytef*>(frame.data());
    zs.avail_out = static_cast<uInt>(frame.size());
    const int rc = deflate(&zs, Z_FINISH);
    const std::size_t size = frame.size() - zs.avail_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) fail(ErrorKind::internal, "deflate failed");
    return size;
}

}  // namespace

std::size_t compress_frame(FrameCodec codec, std::string_view input, std::string& frame) {
    switch (codec) {
        case FrameCodec::lz4: return lz4_frame(input, frame);
        case FrameCodec::zstd: return zstd_frame(input, frame);
        case FrameCodec::gzip: return deflate_frame(input, frame, 15 + 16);
        case FrameCodec::zlib: return deflate_frame(input, frame, 15);
        case FrameCodec::none: break;
    }
    frame.assign(input);
    return frame.size();
}

namespace {

void lz4_decode(std::string_view frame, std::span<char> raw) {
    struct Context {
        LZ4F_dctx* dctx = nullptr;
        Context() { LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION); }
        ~Context() { LZ4F_freeDecompressionContext(dctx); }
        Context(const Context&) = delete;
        Context& operator=(const Context&) = delete;
    };
    thread_local Context ctx;
    if (ctx.dctx == nullptr) throw std::runtime_error("cannot start lz4 decompression");
    LZ4F_resetDecompressionContext(ctx.dctx);
    std::size_t in = 0;
    std::size_t out = 0;
    for (;;) {
        std::size_t in_size = frame.size() - in;
        std::size_t out_size = raw.size() - out;
        const std::size_t rc = LZ4F_decompress(ctx.dctx, raw.data() + out, &out_size, frame.data() + in, &in_size, nullptr);
        if (LZ4F_isError(rc)) throw std::runtime_error(std::string("lz4: ") + LZ4F_getErrorName(rc));
        in += in_size;
        out += out_size;
        if (rc == 0) break;
        if (in_size == 0 && out_size == 0) throw std::runtime_error("the lz4 frame ends early or holds more than it should");
    }
    if (in != frame.size() || out != raw.size()) throw std::runtime_error("the lz4 frame is not of the size its index gives");
}

void zstd_decode(std::string_view frame, std::span<char> raw) {
    const std::size_t rc = ZSTD_decompress(raw.data(), raw.size(), frame.data(), frame.size());
    if (ZSTD_isError(rc)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(rc));
    if (rc != raw.size()) throw std::runtime_error("the zstd frame is not of the size its index gives");
}

void inflate_decode(std::string_view frame, std::span<char> raw, int window_bits) {
    z_stream zs{};
    if (inflateInit2(&zs, window_bits) != Z_OK) throw std::runtime_error("cannot start inflate");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(frame.data()));
    zs.avail_in = static_cast<uInt>(frame.size());
    zs.next_out = reinterpret_cast<Bytef*>(raw.data());
    zs.avail_out = static_cast<uInt>(raw.size());
    const int rc = inflate(&zs, Z_FINISH);
    const bool whole = rc == Z_STREAM_END && zs.avail_in == 0 && zs.avail_out == 0;
    inflateEnd(&zs);
    if (!whole) throw std::runtime_error(rc == Z_DATA_ERROR ? "the deflate data is damaged" : "the deflate frame is not of the size its index gives");
}

}  // namespace

void decompress_frame(FrameCodec codec, std::string_view frame, std::span<char> raw) {
    switch (codec) {
        case FrameCodec::lz4: return lz4_decode(frame, raw);
        case FrameCodec::zstd: return zstd_decode(frame, raw);
        case FrameCodec::gzip: return inflate_decode(frame, raw, 15 + 16);
        case FrameCodec::zlib: return inflate_decode(frame, raw, 15);
        case FrameCodec::none: break;
    }
    if (frame.size() != raw.size()) throw std::runtime_error("the frame is not of the size its index gives");
    std::copy(frame.begin(), frame.end(), raw.begin());
}

std::size_t stored_frame_size(FrameCodec codec, std::size_t raw_size) {
    switch (codec) {
        case FrameCodec::lz4: return raw_size + kLz4Overhead;
        case FrameCodec::zstd: return 4 + 1 + zstd_size_field(raw_size) + 3 + raw_size;
        case FrameCodec::gzip:
        case FrameCodec::zlib: throw std::logic_error("no stored frames for gzip or zlib");
        case FrameCodec::none: break;
    }
    return raw_size;
}

std::string stored_frame(FrameCodec codec, std::string_view raw) {
    if (raw.size() > kMaxStored) throw std::logic_error("stored frames hold at most 64 KiB");
    switch (codec) {
        case FrameCodec::lz4: return lz4_stored(raw);
        case FrameCodec::zstd: return zstd_stored(raw);
        case FrameCodec::gzip:
        case FrameCodec::zlib: throw std::logic_error("no stored frames for gzip or zlib");
        case FrameCodec::none: break;
    }
    return std::string(raw);
}

}  // namespace cedana::images
