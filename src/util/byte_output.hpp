#pragma once
// Where a stream of bytes goes front to back, with room that is filled in later: a file, or
// an upload to remote storage (storage/object_store.hpp). A streamed archive needs the room:
// a tar header is known only once its entry has ended.

#include <cstddef>
#include <cstdint>

namespace cedana::util {

class ByteOutput {
public:
    virtual ~ByteOutput() = default;

    // Each throws cedana::Error when the bytes cannot be written.
    virtual void append(const char* data, std::size_t size) = 0;
    // Leaves `size` bytes at the end to be given to fill(); returns where they begin.
    virtual std::uint64_t reserve(std::size_t size) = 0;
    // Fills reserved room, or part of it. May be called from another thread than append().
    virtual void fill(std::uint64_t offset, const char* data, std::size_t size) = 0;
    // Everything appended and filled is written; an upload becomes visible (completed).
    virtual void finish() = 0;
    // The bytes appended and reserved so far.
    [[nodiscard]] virtual std::uint64_t size() const = 0;
};

}  // namespace cedana::util
