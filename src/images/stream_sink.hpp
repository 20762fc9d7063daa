#pragma once
// Where the tar stream of a checkpoint goes when libarchive's own filters are not the right
// tool: a codec of ours in front of the archive file.

#include <cstddef>

namespace cedana::images {

class StreamSink {
public:
    virtual ~StreamSink() = default;
    // Throws cedana::Error when the data cannot be compressed or written.
    virtual void write(const void* data, std::size_t size) = 0;
    // Writes what is still buffered; the stream is complete afterwards.
    virtual void finish() = 0;
};

}  // namespace cedana::images
