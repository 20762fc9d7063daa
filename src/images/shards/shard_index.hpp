#pragma once
// Where every byte of the memory images lies in a streamed checkpoint's shards, so that a
// restore can serve any part of an image by decoding just the frame that holds it
// (images/served/) instead of decoding every shard into files first.
//
// Written by the dump into img-0 as a record named kIndexFile, once the memory shards are
// finished: their frames (ParallelFrameWriter's FrameSpans) and, per memory image, its
// pieces in image order. unpack_shards() hands it over instead of writing it: it is no image.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "images/parallel_frames.hpp"

namespace cedana::images::shards {

inline constexpr const char* kIndexFile = "shard-index.json";

struct ShardIndex {
    // `length` bytes of the image at `offset` are the shard's stream from `raw` on.
    struct Piece {
        std::uint64_t offset = 0;
        std::uint64_t length = 0;
        int shard = 0;
        std::uint64_t raw = 0;

        bool operator==(const Piece&) const = default;
    };
    struct Stream {
        int shard = 0;
        std::uint64_t file_size = 0;
        std::vector<FrameSpan> frames;

        bool operator==(const Stream&) const = default;
    };

    std::vector<Stream> streams;                       // img-1 ... img-<N-1>
    std::map<std::string, std::vector<Piece>> files;  // by image name, pieces in order

    bool operator==(const ShardIndex&) const = default;

    [[nodiscard]] std::uint64_t file_size(const std::string& name) const;
};

std::string encode_index(const ShardIndex& index);

// Throws cedana::Error(invalid_argument) for an index that is damaged or does not fit a
// checkpoint of `shards` shards: frames out of order or of impossible sizes, pieces outside
// their stream, overlapping or leaving holes in their image, names that are no file names.
ShardIndex decode_index(const std::string& text, int shards);

}  // namespace cedana::images::shards
