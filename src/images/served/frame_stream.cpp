#include "images/served/frame_stream.hpp"


#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "util/error.hpp"
#include "util/file_source.hpp"

namespace cedana::images::served {

namespace fs = std::filesystem;

struct FrameStream::Buffers {
    // The cache, the frames decoded ahead, those in replies being sent, and the packed
    // frames being decoded.
    static constexpr std::size_t kKept = 2 * (kCached + kRemoteAhead) + 2;

    std::mutex mutex;
    std::vector<std::unique_ptr<std::vector<char>>> free;

    // Sized `size`; a buffer used before keeps its bytes (they are all overwritten).
    std::unique_ptr<std::vector<char>> take(std::size_t size) {
        std::unique_ptr<std::vector<char>> buffer;
        {
            const std::lock_guard lock(mutex);
            if (!free.empty()) {
                buffer = std::move(free.back());
                free.pop_back();
            }
        }
        if (!buffer) buffer = std::make_unique<std::vector<char>>();
        buffer->resize(size);
        return buffer;
    }

    void give(std::unique_ptr<std::vector<char>> buffer) {
        const std::lock_guard lock(mutex);
        if (free.size() < kKept) free.push_back(std::move(buffer));
    }
};

FrameStream::FrameStream(const fs::path& path, std::string name, FrameCodec codec, std::vector<FrameSpan> frames)
    : FrameStream(std::make_shared<util::FileSource>(path, name), name, codec, std::move(frames)) {}

FrameStream::FrameStream(std::shared_ptr<util::ByteSource> source, std::string name, FrameCodec codec, std::vector<FrameSpan> frames,
                         std::size_t ahead)
    : source_(std::move(source)), name_(std::move(name)), codec_(codec), frames_(std::move(frames)), ahead_(ahead),
      buffers_(std::make_shared<Buffers>()) {}

// Frames decoding ahead are waited for here, not left to run on a stream that is gone.
FrameStream::~FrameStream() {
    for (auto& [index, pending] : cache_) pending.wait();
}

Frame FrameStream::decode(std::size_t index) const {
    const FrameSpan& span = frames_[index];
    auto packed = buffers_->take(codec_ == FrameCodec::none ? 0 : span.file_size);
    auto raw = buffers_->take(span.raw_size);
    char* into = codec_ == FrameCodec::none ? raw->data() : packed->data();
    const std::size_t want = static_cast<std::size_t>(span.file_size);
    if (source_->read_at(span.file_offset, want, into) < want) {
        fail(ErrorKind::invalid_argument, "{} is truncated: it ends inside a frame; the checkpoint is incomplete", name_);
    }
    if (codec_ != FrameCodec::none) {
        try {
            decompress_frame(codec_, {packed->data(), packed->size()}, {raw->data(), raw->size()});
        } catch (const std::runtime_error& e) {
            fail(ErrorKind::invalid_argument, "{} is corrupted: its frame at byte {} does not decode ({})", name_, span.file_offset, e.what());
        }
        buffers_->give(std::move(packed));
    }
    // Back to the buffers once the cache and every reply are done with it.
    return Frame(raw.release(), [buffers = buffers_](const std::vector<char>* done) {
        buffers->give(std::unique_ptr<std::vector<char>>(const_cast<std::vector<char>*>(done)));
    });
}

std::shared_future<Frame> FrameStream::frame(std::size_t index) {
    const auto it = std::find_if(cache_.begin(), cache_.end(), [index](const auto& entry) { return entry.first == index; });
    if (it != cache_.end()) {
        cache_.splice(cache_.begin(), cache_, it);
        return cache_.front().second;
    }
    cache_.emplace_front(index, std::async(std::launch::async, [this, index] { return decode(index); }).share());
    return cache_.front().second;
}

void FrameStream::read(std::uint64_t raw, std::uint64_t size, std::vector<Slice>& out) {
    auto first = std::upper_bound(frames_.begin(), frames_.end(), raw, [](std::uint64_t at, const FrameSpan& f) { return at < f.raw_offset; });
    if (first == frames_.begin()) fail(ErrorKind::internal, "{}: no frame holds byte {}", name_, raw);
    std::size_t index = static_cast<std::size_t>(first - frames_.begin()) - 1;
    while (size > 0) {
        if (index >= frames_.size()) fail(ErrorKind::invalid_argument, "{} ends before byte {} its index points to", name_, raw);
        std::shared_future<Frame> wanted;
        {
            const std::lock_guard lock(mutex_);
            wanted = frame(index);
            for (std::size_t ahead = 1; ahead <= ahead_ && index + ahead < frames_.size(); ++ahead) frame(index + ahead);
            while (cache_.size() > kCached + ahead_) {
                cache_.back().second.wait();
                cache_.pop_back();
            }
        }
        const Frame data = wanted.get();
        const FrameSpan& span = frames_[index];
        const std::uint64_t at = raw - span.raw_offset;
        const std::uint64_t take = std::min(size, span.raw_size - at);
        if (take > 0) out.push_back({.frame = data, .data = data->data() + at, .size = static_cast<std::size_t>(take)});
        raw += take;
        size -= take;
        ++index;
    }
}

}  // namespace cedana::images::served
