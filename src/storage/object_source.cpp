#include "storage/object_source.hpp"

#include <algorithm>
#include <cstring>
#include <exception>

#include "util/error.hpp"

namespace cedana::storage {

ObjectSource::Bytes ObjectSource::fetch(std::uint64_t index) {
    const std::uint64_t offset = index * kBlock;
    const std::uint64_t length = std::min(kBlock, object_.size - offset);
    auto bytes = std::make_shared<std::string>();
    bytes->reserve(static_cast<std::size_t>(length));
    store_.read(object_.key, offset, length, [&](std::string_view got) {
        if (got.size() > length - bytes->size()) fail(ErrorKind::unavailable, "{}: the store sent more than the {} bytes asked for", object_.key, length);
        bytes->append(got);
        if (progress_ != nullptr) progress_->add(got.size());
    });
    if (bytes->size() < length) {
        fail(ErrorKind::invalid_argument, "{} ends at byte {}, before the {} bytes its listing gave", object_.key, offset + bytes->size(), object_.size);
    }
    return bytes;
}

ObjectSource::Bytes ObjectSource::block(std::uint64_t index) {
    std::promise<Bytes> promise;
    std::shared_future<Bytes> fetched;
    {
        const std::lock_guard lock(mutex_);
        const auto it = std::find_if(blocks_.begin(), blocks_.end(), [index](const auto& b) { return b.first == index; });
        if (it != blocks_.end()) {
            blocks_.splice(blocks_.begin(), blocks_, it);
            fetched = blocks_.front().second;
        } else {
            blocks_.emplace_front(index, promise.get_future().share());
            if (blocks_.size() > kBlocks) blocks_.pop_back();
        }
    }
    // Another thread fetches it (or has): waited for outside the lock, so that other blocks
    // go on being asked for meanwhile.
    if (fetched.valid()) return fetched.get();
    try {
        auto bytes = fetch(index);
        promise.set_value(bytes);
        return bytes;
    } catch (...) {
        promise.set_exception(std::current_exception());
        throw;
    }
}

std::size_t ObjectSource::read_at(std::uint64_t offset, std::size_t size, char* into) {
    if (offset >= object_.size) return 0;
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(size, object_.size - offset));
    std::size_t done = 0;
    while (done < want) {
        const std::uint64_t at = offset + done;
        const Bytes bytes = block(at / kBlock);
        const auto from = static_cast<std::size_t>(at % kBlock);
        const std::size_t n = std::min(want - done, bytes->size() - from);
        std::memcpy(into + done, bytes->data() + from, n);
        done += n;
    }
    return want;
}

}  // namespace cedana::storage
