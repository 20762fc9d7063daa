#pragma once
// Where bytes are read from by offset, in any order and from several threads at once: a
// local file (file_source.hpp), or an object in remote storage (storage/object_source.hpp).
// A restore serves a streamed checkpoint's memory images from either, so that a remote one
// is read while CRIU restores instead of downloaded first.

#include <cstddef>
#include <cstdint>
#include <string>

namespace cedana::util {

class ByteSource {
public:
    virtual ~ByteSource() = default;

    [[nodiscard]] virtual std::uint64_t size() const = 0;
    // Up to `size` bytes at `offset` into `into`; fewer only where the source ends. Throws
    // cedana::Error when they cannot be read.
    virtual std::size_t read_at(std::uint64_t offset, std::size_t size, char* into) = 0;
};

}  // namespace cedana::util
