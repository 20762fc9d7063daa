#pragma once
// A checkpoint's memory images as files CRIU reads straight from where they are compressed
// (a streamed checkpoint's shards, served_shards.hpp): each read decodes only the frames it
// needs, so a restore neither waits for the images to be decoded into files nor writes a
// second copy of the memory into the page cache.
//
// The checksums stay: what CRIU reads in order is hashed as it passes, and verify(), called
// before the process resumes, hashes what was not read that way and compares every image
// with cedana.json.

#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "images/checksum.hpp"
#include "images/served/frame_stream.hpp"
#include "images/served/image_server.hpp"
#include "images/shards/shard_index.hpp"

namespace cedana::images::served {

class ServedImages {
public:
    // Where an image's bytes are: `shard` numbers the stream in `streams`, from 1.
    using Piece = shards::ShardIndex::Piece;
    // Serves `files`, each the pieces of `streams` it is made of (in order, without holes),
    // as files of `dir` (links into a FUSE mount below it). Throws cedana::Error
    // (unavailable) when FUSE cannot be used here.
    ServedImages(std::vector<std::unique_ptr<FrameStream>> streams, std::map<std::string, std::vector<Piece>> files,
                 const std::filesystem::path& dir);
    ~ServedImages();
    ServedImages(const ServedImages&) = delete;
    ServedImages& operator=(const ServedImages&) = delete;

    // Throws the first error a read met (a damaged frame), else cedana::Error
    // (invalid_argument) for the first image whose checksum is not the one in `expected`.
    void verify(const std::map<std::string, FileSum>& expected);

    // How many bytes CRIU read other than front to back (hashed again by verify()).
    [[nodiscard]] std::uint64_t rehashed() const { return rehashed_; }

private:
    struct Image {
        std::string name;
        std::vector<Piece> pieces;
        std::uint64_t size = 0;
        std::mutex mutex;
        StreamingChecksum sum;
        std::uint64_t hashed = 0;
    };

    void read(Image& image, std::uint64_t offset, std::size_t size, std::vector<Slice>& out);
    void serve(std::size_t file, std::uint64_t offset, std::size_t size, std::vector<Slice>& out);

    std::filesystem::path mountpoint_;
    std::vector<std::unique_ptr<FrameStream>> streams_;
    std::vector<std::unique_ptr<Image>> images_;
    std::mutex error_mutex_;
    std::exception_ptr error_;
    std::uint64_t rehashed_ = 0;
    std::unique_ptr<ImageServer> server_;  // last: stops serving before the rest goes
};

}  // namespace cedana::images::served
