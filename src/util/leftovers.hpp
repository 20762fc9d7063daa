#pragma once
// Temporary files a request makes (a dump's staging directory, a restore's extraction) are
// written down while they exist, so that a daemon killed in the middle of the request finds
// and removes them when it starts again (daemon/recovery.hpp). The book they are written in
// is the daemon's job database; a CLI working without the daemon keeps none, and removes its
// temporary files only on its own way out.

#include <cstdint>
#include <filesystem>
#include <vector>

namespace cedana::util {

class LeftoverBook {
public:
    virtual ~LeftoverBook() = default;
    // Records paths that exist now and are to be removed if nobody removes them; the entry's
    // id. Throws when it cannot record them.
    virtual std::int64_t made(const std::vector<std::filesystem::path>& paths) = 0;
    // The paths of entry `id` are gone (or published).
    virtual void gone(std::int64_t id) noexcept = 0;
};

// The book every Leftover of this process is written in; null (the default): none.
void keep_leftovers_in(LeftoverBook* book);

// Paths written down for as long as this lives; never throws (a book that cannot be written
// is logged and the paths go unrecorded).
class Leftover {
public:
    Leftover() = default;
    explicit Leftover(const std::vector<std::filesystem::path>& paths);
    ~Leftover();
    Leftover(Leftover&& other) noexcept;
    Leftover& operator=(Leftover&& other) noexcept;
    Leftover(const Leftover&) = delete;
    Leftover& operator=(const Leftover&) = delete;

private:
    LeftoverBook* book_ = nullptr;
    std::int64_t id_ = 0;
};

}  // namespace cedana::util
