#include "images/shards/shard_source.hpp"

#include <fcntl.h>
#include <lz4frame.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images::shards {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kInput = 1u << 20;

[[noreturn]] void truncated(const std::string& shard) {
    fail(ErrorKind::invalid_argument, "shard {} is truncated: its compressed stream ends early; the checkpoint is incomplete", shard);
}

}  // namespace

// Reads the file in large blocks and decodes from them; `next()` is the decoding.
struct ShardSource::Decoder {
    std::string shard;
    util::UniqueFd fd;
    std::vector<char> input = std::vector<char>(kInput);
    std::size_t have = 0;  // unread bytes at input[pos]
    std::size_t pos = 0;
    bool eof = false;

    virtual ~Decoder() = default;
    virtual std::size_t next(char* out, std::size_t size) = 0;

    // More input; false at the end of the file.
    bool refill() {
        if (have > 0) return true;
        if (eof) return false;
        for (;;) {
            const ssize_t n = ::read(fd.get(), input.data(), input.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(ErrorKind::failed_precondition, "cannot read shard {}: {}", shard, std::strerror(errno));
            pos = 0;
            have = static_cast<std::size_t>(n);
            if (n == 0) eof = true;
            return n > 0;
        }
    }
    void consume(std::size_t n) {
        pos += n;
        have -= n;
    }
};

namespace {

struct RawDecoder final : ShardSource::Decoder {
    std::size_t next(char* out, std::size_t size) override {
        if (!refill()) return 0;
        const std::size_t n = std::min(size, have);
        std::memcpy(out, input.data() + pos, n);
        consume(n);
        return n;
    }
};

struct Lz4Decoder final : ShardSource::Decoder {
    LZ4F_dctx* ctx = nullptr;
    std::size_t hint = 0;  // 0: between frames
    Lz4Decoder() {
        if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION))) fail(ErrorKind::internal, "cannot start lz4 decompression");
    }
    ~Lz4Decoder() override { LZ4F_freeDecompressionContext(ctx); }
    std::size_t next(char* out, std::size_t size) override {
        for (;;) {
            if (!refill()) {
                if (hint != 0) truncated(shard);
                return 0;
            }
            std::size_t out_size = size;
            std::size_t in_size = have;
            const std::size_t rc = LZ4F_decompress(ctx, out, &out_size, input.data() + pos, &in_size, nullptr);
            if (LZ4F_isError(rc)) fail(ErrorKind::invalid_argument, "shard {} is corrupted: lz4 says {}", shard, LZ4F_getErrorName(rc));
            consume(in_size);
            hint = rc;
            if (out_size > 0) return out_size;
        }
    }
};

struct ZstdDecoder final : ShardSource::Decoder {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    std::size_t hint = 0;
    ~ZstdDecoder() override { ZSTD_freeDCtx(ctx); }
    std::size_t next(char* out, std::size_t size) override {
        for (;;) {
            if (!refill()) {
                if (hint != 0) truncated(shard);
                return 0;
            }
            ZSTD_inBuffer in{input.data() + pos, have, 0};
            ZSTD_outBuffer o{out, size, 0};
            const std::size_t rc = ZSTD_decompressStream(ctx, &o, &in);
            if (ZSTD_isError(rc)) fail(ErrorKind::invalid_argument, "shard {} is corrupted: zstd says {}", shard, ZSTD_getErrorName(rc));
            consume(in.pos);
            hint = rc;
            if (o.pos > 0) return o.pos;
        }
    }
};

// gzip members or zlib streams, one after another.
struct InflateDecoder final : ShardSource::Decoder {
    z_stream zs{};
    bool in_stream = false;
    const char* format;
    explicit InflateDecoder(bool gzip) : format(gzip ? "gzip" : "zlib") {
        if (inflateInit2(&zs, gzip ? 15 + 16 : 15) != Z_OK) fail(ErrorKind::internal, "cannot start {} decompression", format);
    }
    ~InflateDecoder() override { inflateEnd(&zs); }
    std::size_t next(char* out, std::size_t size) override {
        for (;;) {
            if (!refill()) {
                if (in_stream) truncated(shard);
                return 0;
            }
            zs.next_in = reinterpret_cast<Bytef*>(input.data() + pos);
            zs.avail_in = static_cast<uInt>(have);
            zs.next_out = reinterpret_cast<Bytef*>(out);
            zs.avail_out = static_cast<uInt>(size);
            in_stream = true;
            const int rc = inflate(&zs, Z_NO_FLUSH);
            consume(have - zs.avail_in);
            if (rc == Z_STREAM_END) {
                in_stream = false;
                if (inflateReset(&zs) != Z_OK) fail(ErrorKind::internal, "cannot restart {} decompression", format);
            } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
                fail(ErrorKind::invalid_argument, "shard {} is corrupted: {} says {}", shard, format, zs.msg != nullptr ? zs.msg : "bad data");
            }
            const std::size_t produced = size - zs.avail_out;
            if (produced > 0) return produced;
        }
    }
};

std::unique_ptr<ShardSource::Decoder> make_decoder(Compression c) {
    switch (c) {
        case Compression::none:
        case Compression::tar: return std::make_unique<RawDecoder>();
        case Compression::lz4: return std::make_unique<Lz4Decoder>();
        case Compression::zstd: return std::make_unique<ZstdDecoder>();
        case Compression::gzip: return std::make_unique<InflateDecoder>(true);
        case Compression::zlib: return std::make_unique<InflateDecoder>(false);
    }
    throw std::logic_error("unknown compression");
}

}  // namespace

ShardSource::ShardSource(const fs::path& path, Compression c) : name_(path.filename().string()), decoder_(make_decoder(c)) {
    decoder_->shard = name_;
    decoder_->fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!decoder_->fd) fail(ErrorKind::failed_precondition, "cannot open shard {}: {}", path.string(), std::strerror(errno));
    ::posix_fadvise(decoder_->fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
}

ShardSource::~ShardSource() = default;

std::size_t ShardSource::read(void* data, std::size_t size) {
    if (size == 0) return 0;
    return decoder_->next(static_cast<char*>(data), size);
}

void ShardSource::read_exactly(void* data, std::size_t size, const char* what) {
    char* out = static_cast<char*>(data);
    while (size > 0) {
        const std::size_t n = read(out, size);
        if (n == 0) fail(ErrorKind::invalid_argument, "shard {} is truncated: it ends {}; the checkpoint is incomplete", name_, what);
        out += n;
        size -= n;
    }
}

}  // namespace cedana::images::shards
