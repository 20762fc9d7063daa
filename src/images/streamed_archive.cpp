#include "images/streamed_archive.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <vector>

#include "images/tar_header.hpp"
#include "util/error.hpp"
#include "util/file_output.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

// Checkpoints hold process memory: only their owner reads them.
constexpr unsigned kEntryMode = 0600;

const std::string kZeros(2 * kTarBlock, '\0');

}  // namespace

std::optional<FrameCodec> streamed_codec(Compression c) {
    switch (c) {
        case Compression::tar: return FrameCodec::none;
        case Compression::lz4: return FrameCodec::lz4;
        case Compression::zstd: return FrameCodec::zstd;
        case Compression::none:
        case Compression::gzip:
        case Compression::zlib: break;
    }
    return std::nullopt;
}

StreamedArchive::StreamedArchive(std::unique_ptr<util::ByteOutput> out, FrameCodec codec)
    : out_(std::move(out)), frames_(std::make_unique<ParallelFrameWriter>(*out_, codec)), mtime_(std::time(nullptr)) {}

StreamedArchive::StreamedArchive(const fs::path& path, FrameCodec codec) : StreamedArchive(std::make_unique<util::FileOutput>(path, "the checkpoint archive"), codec) {}

StreamedArchive::~StreamedArchive() = default;

void StreamedArchive::add(std::string_view name, std::string_view content) {
    if (open_) throw std::logic_error("add() while an entry is open");
    frames_->write(tar_header(name, content.size(), kEntryMode, mtime_).data(), kTarBlock);
    frames_->write(content.data(), content.size());
    frames_->write(kZeros.data(), tar_padding(content.size()));
}

void StreamedArchive::add_fd(std::string_view name, int fd, std::uint64_t size, PackInput input) {
    if (open_) throw std::logic_error("add_fd() while an entry is open");
    bool release = input == PackInput::consume;
    frames_->write(tar_header(name, size, kEntryMode, mtime_).data(), kTarBlock);
    std::uint64_t copied = 0;
    while (copied < size) {
        const std::span<char> room = frames_->space();
        const ssize_t n = ::pread(fd, room.data(), std::min<std::uint64_t>(room.size(), size - copied), static_cast<off_t>(copied));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(ErrorKind::failed_precondition, "cannot read image {} back: {}", name, std::strerror(errno));
        if (n == 0) fail(ErrorKind::internal, "image {} is shorter than its {} bytes", name, size);
        frames_->commit(static_cast<std::size_t>(n));
        // The bytes are in the frame writer's buffer now. A file system that cannot punch
        // holes keeps the pages until the file is removed.
        if (release && ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(copied), n) != 0) release = false;
        copied += static_cast<std::uint64_t>(n);
    }
    frames_->write(kZeros.data(), tar_padding(size));
}

void StreamedArchive::add_files(const fs::path& dir, PackInput input) {
    for (const auto& file : regular_files(dir)) {
        util::UniqueFd fd(::open(file.c_str(), (input == PackInput::consume ? O_RDWR : O_RDONLY) | O_CLOEXEC));
        struct stat st{};
        if (!fd || ::fstat(fd.get(), &st) != 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
        add_fd(file.filename().string(), fd.get(), static_cast<std::uint64_t>(st.st_size), input);
    }
}

void StreamedArchive::begin_entry(std::string_view name) {
    if (open_) throw std::logic_error("begin_entry() while an entry is open");
    // Refuse a bad name now rather than after its data.
    (void)tar_header(name, 0, kEntryMode, mtime_);
    open_ = OpenEntry{std::string(name), frames_->reserve(kTarBlock), 0};
}

void StreamedArchive::append(const void* data, std::size_t size) {
    frames_->write(data, size);
    open_->size += size;
}

std::span<char> StreamedArchive::space() { return frames_->space(); }

void StreamedArchive::commit(std::size_t size) {
    frames_->commit(size);
    open_->size += size;
}

void StreamedArchive::end_entry() {
    frames_->write(kZeros.data(), tar_padding(open_->size));
    frames_->fill(open_->header, tar_header(open_->name, open_->size, kEntryMode, mtime_));
    open_.reset();
}

void StreamedArchive::close() {
    if (open_) throw std::logic_error("close() while an entry is open");
    frames_->write(kZeros.data(), kZeros.size());
    frames_->finish();
    out_->finish();
}

std::uint64_t StreamedArchive::size() const { return out_->size(); }

}  // namespace cedana::images
