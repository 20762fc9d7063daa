#include "images/served/served_images.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "util/error.hpp"

namespace cedana::images::served {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMountDir = ".served";
constexpr std::size_t kRehashStep = 4u << 20;

}  // namespace

ServedImages::ServedImages(std::vector<std::unique_ptr<FrameStream>> streams, std::map<std::string, std::vector<Piece>> index,
                           const fs::path& dir)
    : mountpoint_(dir / kMountDir), streams_(std::move(streams)) {
    std::vector<ImageServer::File> files;
    for (auto& [name, pieces] : index) {
        auto image = std::make_unique<Image>();
        image->name = name;
        image->size = pieces.empty() ? 0 : pieces.back().offset + pieces.back().length;
        image->pieces = std::move(pieces);
        files.push_back({.name = name, .size = image->size});
        images_.push_back(std::move(image));
    }
    std::error_code ec;
    fs::create_directory(mountpoint_, ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot create {}: {}", mountpoint_.string(), ec.message());
    try {
        server_ = std::make_unique<ImageServer>(mountpoint_, std::move(files),
                                                [this](std::size_t file, std::uint64_t offset, std::size_t size, std::vector<Slice>& out) {
                                                    serve(file, offset, size, out);
                                                });
    } catch (...) {
        fs::remove(mountpoint_, ec);
        throw;
    }
    for (const auto& image : images_) {
        fs::create_symlink(fs::path(kMountDir) / image->name, dir / image->name, ec);
        if (ec) fail(ErrorKind::failed_precondition, "cannot link {} into {}: {}", image->name, dir.string(), ec.message());
    }
}

ServedImages::~ServedImages() {
    server_.reset();
    std::error_code ec;
    fs::remove(mountpoint_, ec);
}

void ServedImages::read(Image& image, std::uint64_t offset, std::size_t size, std::vector<Slice>& out) {
    auto piece = std::upper_bound(image.pieces.begin(), image.pieces.end(), offset, [](std::uint64_t at, const Piece& p) { return at < p.offset; });
    if (piece == image.pieces.begin()) fail(ErrorKind::internal, "{} has no byte {}", image.name, offset);
    --piece;
    std::uint64_t left = size;
    while (left > 0) {
        if (piece == image.pieces.end()) fail(ErrorKind::internal, "{} ends before byte {}", image.name, offset);
        const std::uint64_t within = offset - piece->offset;
        const std::uint64_t take = std::min(left, piece->length - within);
        if (take > 0) streams_.at(static_cast<std::size_t>(piece->shard - 1))->read(piece->raw + within, take, out);
        offset += take;
        left -= take;
        ++piece;
    }
}

void ServedImages::serve(std::size_t file, std::uint64_t offset, std::size_t size, std::vector<Slice>& out) {
    Image& image = *images_.at(file);
    try {
        read(image, offset, size, out);
    } catch (...) {
        const std::lock_guard lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
        throw;
    }
    const std::lock_guard lock(image.mutex);
    if (offset != image.hashed) return;
    for (const auto& slice : out) image.sum.update(slice.data, slice.size);
    image.hashed += size;
}

void ServedImages::verify(const std::map<std::string, FileSum>& expected) {
    {
        const std::lock_guard lock(error_mutex_);
        if (error_) std::rethrow_exception(error_);
    }
    for (auto& image : images_) {
        const std::lock_guard lock(image->mutex);
        rehashed_ += image->size - image->hashed;
        while (image->hashed < image->size) {
            std::vector<Slice> slices;
            const auto step = static_cast<std::size_t>(std::min<std::uint64_t>(kRehashStep, image->size - image->hashed));
            read(*image, image->hashed, step, slices);
            for (const auto& slice : slices) image->sum.update(slice.data, slice.size);
            image->hashed += step;
        }
        const FileSum got = image->sum.finish();
        const auto want = expected.find(image->name);
        // Sizes were checked against cedana.json before CRIU started (verify_image_sizes).
        if (want == expected.end()) continue;
        if (got.xxh3 != want->second.xxh3) fail(ErrorKind::invalid_argument, "checkpoint is corrupted: image {} fails its checksum", image->name);
    }
    if (rehashed_ > 0) spdlog::debug("served images: {} bytes were read out of order and hashed again", rehashed_);
}

}  // namespace cedana::images::served
