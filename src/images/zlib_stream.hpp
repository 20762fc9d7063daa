#pragma once
// The zlib format (RFC 1950) around a tar stream. libarchive has no zlib filter, so
// `.tar.zlib` checkpoints go through these two stream adapters instead.

#include <cstddef>
#include <cstdio>
#include <string>

#include <zlib.h>

#include "images/stream_sink.hpp"

namespace cedana::images {

// Deflates everything written to it into `out`.
class ZlibWriter final : public StreamSink {
public:
    explicit ZlibWriter(std::FILE* out);
    ~ZlibWriter() override;
    ZlibWriter(const ZlibWriter&) = delete;
    ZlibWriter& operator=(const ZlibWriter&) = delete;

    void write(const void* data, std::size_t size) override;
    void finish() override;

private:
    void pump(int flush);

    std::FILE* out_;
    z_stream zs_{};
    std::string buffer_;
};

// Inflates `in`, a zlib stream, on demand.
class ZlibReader {
public:
    explicit ZlibReader(std::FILE* in);
    ~ZlibReader();
    ZlibReader(const ZlibReader&) = delete;
    ZlibReader& operator=(const ZlibReader&) = delete;

    // Up to `size` bytes of the inflated stream; 0 at its end. Throws cedana::Error for a
    // corrupted or truncated stream.
    std::size_t read(void* data, std::size_t size);

private:
    std::FILE* in_;
    z_stream zs_{};
    std::string input_;
    bool done_ = false;
};

}  // namespace cedana::images
