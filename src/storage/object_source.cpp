#include "storage/object_source.hpp"

#include <algorithm>
#include <cstring>

#include "util/error.hpp"

namespace cedana::storage {

std::size_t ObjectSource::read_at(std::uint64_t offset, std::size_t size, char* into) {
    if (offset >= object_.size) return 0;
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, object_.size - offset));
    std::size_t got = 0;
    store_.read(object_.key, offset, want, [&](std::string_view bytes) {
        if (bytes.size() > want - got) fail(ErrorKind::unavailable, "{}: the store sent more than the {} bytes asked for", object_.key, want);
        std::memcpy(into + got, bytes.data(), bytes.size());
        got += bytes.size();
        if (progress_ != nullptr) progress_->add(bytes.size());
    });
    return got;
}

}  // namespace cedana::storage
