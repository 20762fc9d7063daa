#include "images/memory_image_capture.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "images/memory_image_fifos.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kStreamFrom = 1u << 20;
constexpr std::size_t kHoldLimit = 64u << 20;
constexpr std::size_t kReadSize = 1u << 20;

// One memory image and what has come through its FIFO.
struct Image {
    std::string name;
    StreamingChecksum sum;
    bool live = false;     // the archive's open entry
    std::string held;      // or waiting in memory…
    util::UniqueFd spill;  // …or in a scratch file
    std::uint64_t spilled = 0;
};

}  // namespace

struct MemoryImageCapture::State {
    fs::path dir;
    StreamedArchive& archive;
    std::vector<std::unique_ptr<Image>> images;  // by FIFO, until whole
    Image* live = nullptr;
    std::deque<std::unique_ptr<Image>> waiting;  // complete, behind the open entry
    std::map<std::string, FileSum> sums;
    std::vector<char> scratch = std::vector<char>(kReadSize);
    std::optional<MemoryImageFifos> fifos;

    State(const fs::path& d, StreamedArchive& a) : dir(d), archive(a) {}

    void spill_out(Image& image) {
        image.spill = scratch_file(image.name);
        write_spill(image, image.held.data(), image.held.size());
        image.held = std::string();
    }

    // Unlinked from the start where the file system can (O_TMPFILE), else right after it
    // is made: either way it is gone with its descriptor.
    util::UniqueFd scratch_file(const std::string& name) {
        util::UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
        if (!fd && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
            std::string pattern = (dir / ".held-XXXXXX").string();
            fd.reset(::mkostemp(pattern.data(), O_CLOEXEC));
            if (fd && ::unlink(pattern.c_str()) != 0) fd.reset();
        }
        if (!fd) fail(ErrorKind::failed_precondition, "cannot hold image {} aside in {}: {}", name, dir.string(), std::strerror(errno));
        return fd;
    }

    void write_spill(Image& image, const char* data, std::size_t size) {
        while (size > 0) {
            const ssize_t n = ::write(image.spill.get(), data, size);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail(ErrorKind::failed_precondition, "cannot hold image {} aside in {}: {}", image.name, dir.string(), std::strerror(errno));
            data += n;
            size -= static_cast<std::size_t>(n);
            image.spilled += static_cast<std::uint64_t>(n);
        }
    }

    void emit(Image& image) {
        if (image.spill) {
            archive.add_fd(image.name, image.spill.get(), image.spilled);
        } else {
            archive.add(image.name, image.held);
        }
    }

    // The image becomes the archive's open entry and streams on into it.
    void promote(Image& image) {
        archive.begin_entry(image.name);
        archive.append(image.held.data(), image.held.size());
        image.held = std::string();
        image.live = true;
        live = &image;
    }

    // Reads once from a FIFO: fair to the others, and up to a whole pipe's worth. False
    // once the image is whole.
    bool drain(std::size_t index, int fd) {
        Image& image = *images.at(index);
        ssize_t n = 0;
        if (image.live) {
            const std::span<char> room = archive.space();
            n = ::read(fd, room.data(), room.size());
            if (n > 0) {
                image.sum.update(room.data(), static_cast<std::size_t>(n));
                archive.commit(static_cast<std::size_t>(n));
            }
        } else {
            n = ::read(fd, scratch.data(), scratch.size());
            if (n > 0) {
                image.sum.update(scratch.data(), static_cast<std::size_t>(n));
                if (image.spill) {
                    write_spill(image, scratch.data(), static_cast<std::size_t>(n));
                } else {
                    image.held.append(scratch.data(), static_cast<std::size_t>(n));
                    if (live == nullptr && image.held.size() >= kStreamFrom) {
                        promote(image);
                    } else if (image.held.size() > kHoldLimit) {
                        spill_out(image);
                    }
                }
            }
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
        if (n < 0) fail(ErrorKind::internal, "cannot read image {} from CRIU: {}", image.name, std::strerror(errno));
        if (n > 0) return true;
        complete(std::move(images.at(index)));
        return false;
    }

    // CRIU closed the image: it is whole.
    void complete(std::unique_ptr<Image> owned) {
        sums[owned->name] = owned->sum.finish();
        if (owned->live) {
            archive.end_entry();
            live = nullptr;
            for (; !waiting.empty(); waiting.pop_front()) emit(*waiting.front());
        } else if (live == nullptr) {
            emit(*owned);
        } else {
            waiting.push_back(std::move(owned));
        }
    }
};

MemoryImageCapture::MemoryImageCapture(const fs::path& dir, int count, StreamedArchive& archive)
    : state_(std::make_unique<State>(dir, archive)) {
    State& s = *state_;
    for (int i = 1; i <= count; ++i) {
        s.images.push_back(std::make_unique<Image>());
        s.images.back()->name = fmt::format("pages-{}.img", i);
    }
    s.fifos.emplace(dir, count, [&s](std::size_t image, int fd) { return s.drain(image, fd); });
}

MemoryImageCapture::~MemoryImageCapture() = default;

std::map<std::string, FileSum> MemoryImageCapture::finish() {
    state_->fifos->finish();
    return std::move(state_->sums);
}

std::exception_ptr MemoryImageCapture::error() const { return state_->fifos->error(); }

}  // namespace cedana::images
