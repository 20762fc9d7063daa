#pragma once
// The frames a compressed checkpoint archive is made of. LZ4 and zstd both define a stream as
// any sequence of frames, each decodable on its own, so an archive can be written as frames
// compressed in parallel, and a frame can be set aside and written later, once its content
// is known (a tar header whose size CRIU had not told yet).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cedana::images {

// `none`: the frames are the bytes themselves (a plain tar). gzip and zlib frames are whole
// gzip members and zlib streams: a run of gzip members is a gzip file (RFC 1952), a run of
// zlib streams is what a shard of a streamed checkpoint holds (images/shards/); an archive,
// read by libarchive as one stream, is never framed with either.
enum class FrameCodec { none, lz4, zstd, gzip, zlib };

// Compresses `input` into one frame in `frame` (grown as needed) and returns the frame's
// size. Throws cedana::Error when the library fails.
std::size_t compress_frame(FrameCodec codec, std::string_view input, std::string& frame);

// A frame holding `raw` uncompressed, whose size depends only on raw's size, so that room
// for it can be reserved before its content exists. raw must be at most 64 KiB.
std::size_t stored_frame_size(FrameCodec codec, std::size_t raw_size);
std::string stored_frame(FrameCodec codec, std::string_view raw);

// The largest frame a reader decodes whole: ParallelFrameWriter writes at most 4 MiB, so a
// frame (or an index) claiming more is a lie that would only make the reader allocate it.
inline constexpr std::uint64_t kMaxFrameRaw = 64ull << 20;

// Decodes one whole frame, `frame`, into `raw`, which has the frame's uncompressed size.
// Throws std::runtime_error saying why when the frame is damaged or of another size: the
// caller knows which file it came from.
void decompress_frame(FrameCodec codec, std::string_view frame, std::span<char> raw);

}  // namespace cedana::images
