#include "images/zlib_stream.hpp"

#include <cerrno>
#include <cstring>

#include "util/error.hpp"

namespace cedana::images {

namespace {
constexpr std::size_t kChunk = 1 << 20;
}

ZlibWriter::ZlibWriter(std::FILE* out) : out_(out), buffer_(kChunk, '\0') {
    // Level 1: checkpoints are large and written while the user waits.
    if (deflateInit(&zs_, 1) != Z_OK) fail(ErrorKind::internal, "cannot start zlib compression");
}

ZlibWriter::~ZlibWriter() { deflateEnd(&zs_); }

void ZlibWriter::pump(int flush) {
    do {
        zs_.next_out = reinterpret_cast<Bytef*>(buffer_.data());
        zs_.avail_out = static_cast<uInt>(buffer_.size());
        const int rc = deflate(&zs_, flush);
        if (rc == Z_STREAM_ERROR) fail(ErrorKind::internal, "zlib compression failed");
        const std::size_t produced = buffer_.size() - zs_.avail_out;
        if (produced > 0 && std::fwrite(buffer_.data(), 1, produced, out_) != produced) {
            fail(ErrorKind::failed_precondition, "cannot write the checkpoint archive: {}", std::strerror(errno));
        }
        if (flush == Z_FINISH && rc == Z_STREAM_END) return;
    } while (zs_.avail_out == 0 || flush == Z_FINISH);
}

void ZlibWriter::write(const void* data, std::size_t size) {
    zs_.next_in = static_cast<Bytef*>(const_cast<void*>(data));
    zs_.avail_in = static_cast<uInt>(size);
    pump(Z_NO_FLUSH);
}

void ZlibWriter::finish() {
    zs_.next_in = nullptr;
    zs_.avail_in = 0;
    pump(Z_FINISH);
}

ZlibReader::ZlibReader(std::FILE* in) : in_(in), input_(kChunk, '\0') {
    if (inflateInit(&zs_) != Z_OK) fail(ErrorKind::internal, "cannot start zlib decompression");
}

ZlibReader::~ZlibReader() { inflateEnd(&zs_); }

std::size_t ZlibReader::read(void* data, std::size_t size) {
    if (done_) return 0;
    zs_.next_out = static_cast<Bytef*>(data);
    zs_.avail_out = static_cast<uInt>(size);
    while (zs_.avail_out == size) {
        if (zs_.avail_in == 0) {
            const std::size_t got = std::fread(input_.data(), 1, input_.size(), in_);
            if (got == 0) fail(ErrorKind::invalid_argument, "the checkpoint archive is truncated (zlib stream ends early)");
            zs_.next_in = reinterpret_cast<Bytef*>(input_.data());
            zs_.avail_in = static_cast<uInt>(got);
        }
        const int rc = inflate(&zs_, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            done_ = true;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) fail(ErrorKind::invalid_argument, "the checkpoint archive is corrupted (zlib: {})", zs_.msg ? zs_.msg : "bad data");
    }
    return size - zs_.avail_out;
}

}  // namespace cedana::images
