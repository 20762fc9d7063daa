#pragma once
// A checkpoint archive (tar, compressed as frames) written front to back while CRIU hands
// over its images, so the images never touch the disk on their own: no staging copy to read
// back and write a second time.
//
// An entry may begin before its size is known: room for its header is reserved as a stored
// frame of exactly the header's size, and filled in at the entry's end. The result is an
// ordinary .tar, .tar.lz4 or .tar.zst that lz4/zstd and tar read as they read any other.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "images/archive.hpp"
#include "images/compression.hpp"
#include "images/frame_format.hpp"
#include "images/parallel_frames.hpp"
#include "util/byte_output.hpp"

namespace cedana::images {

// The frames of an archive compressed as `c`, when it can be streamed: plain tar, lz4 and
// zstd. gzip and zlib cannot: their streams do not allow a frame written out of turn.
std::optional<FrameCodec> streamed_codec(Compression c);

class StreamedArchive {
public:
    // Writes into `out` (a new file, an upload). An upload is completed by close(), and
    // abandoned when the archive is destroyed unclosed; a file's owner removes it then.
    StreamedArchive(std::unique_ptr<util::ByteOutput> out, FrameCodec codec);
    // Into a new file `path`, which must not exist (util::FileOutput).
    StreamedArchive(const std::filesystem::path& path, FrameCodec codec);
    ~StreamedArchive();
    StreamedArchive(const StreamedArchive&) = delete;
    StreamedArchive& operator=(const StreamedArchive&) = delete;

    // A whole entry at once.
    void add(std::string_view name, std::string_view content);
    // A regular file's content, read from `fd` (from its start) as entry `name`. With
    // `consume`, the file's blocks are released as they are read (`fd` open for writing).
    void add_fd(std::string_view name, int fd, std::uint64_t size, PackInput input = PackInput::keep);
    // Every regular file of `dir` (checkpoints are flat), in name order.
    void add_files(const std::filesystem::path& dir, PackInput input = PackInput::keep);

    // The open entry: one at a time, its size known at end_entry(). Its data is given by
    // append() or read straight into space() and commit()ted.
    void begin_entry(std::string_view name);
    void append(const void* data, std::size_t size);
    std::span<char> space();
    void commit(std::size_t size);
    void end_entry();
    [[nodiscard]] bool entry_open() const { return open_.has_value(); }

    // Ends the archive and writes out what is buffered. Throws cedana::Error when it cannot.
    void close();
    // The archive's size once closed.
    [[nodiscard]] std::uint64_t size() const;

private:
    struct OpenEntry {
        std::string name;
        ParallelFrameWriter::Gap header;
        std::uint64_t size = 0;
    };

    std::unique_ptr<util::ByteOutput> out_;
    std::unique_ptr<ParallelFrameWriter> frames_;
    std::optional<OpenEntry> open_;
    std::int64_t mtime_;
};

}  // namespace cedana::images
