#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "images/archive.hpp"
#include "images/streamed_archive.hpp"
#include "images/zlib_stream.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlock = 1 << 20;

struct ArchiveDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

[[noreturn]] void archive_failed(archive* a, const fs::path& path) {
    // libarchive's message ("Write error") hides the reason; the errno it saw tells it.
    const int err = archive_errno(a);
    fail(ErrorKind::failed_precondition, "cannot write checkpoint archive {}: {}{}", path.string(),
         archive_error_string(a) != nullptr ? archive_error_string(a) : "unknown error", err > 0 ? fmt::format(" ({})", std::strerror(err)) : "");
}

// libarchive's client callback, writing through one of our codecs into the file.
la_ssize_t sink_write(archive* a, void* client, const void* buffer, size_t length) {
    try {
        static_cast<StreamSink*>(client)->write(buffer, length);
        return static_cast<la_ssize_t>(length);
    } catch (const std::exception& e) {
        archive_set_error(a, EIO, "%s", e.what());
        return -1;
    }
}

// zlib, which libarchive lacks, is our own codec behind libarchive's plain tar.
void add_filter(archive* a, Compression c, const fs::path& path) {
    int rc = ARCHIVE_OK;
    switch (c) {
        case Compression::zlib: rc = archive_write_add_filter_none(a); break;
        case Compression::gzip:
            rc = archive_write_add_filter_gzip(a);
            if (rc == ARCHIVE_OK) rc = archive_write_set_filter_option(a, "gzip", "compression-level", "1");
            break;
        case Compression::tar:
        case Compression::lz4:
        case Compression::zstd: throw std::logic_error("tar, lz4 and zstd are streamed, not written by libarchive");
        case Compression::none: throw std::logic_error("pack() needs an archive format");
    }
    if (rc != ARCHIVE_OK) archive_failed(a, path);
}

void add_file(archive* a, const fs::path& file, const std::string& name, const fs::path& archive_path, std::string& buffer,
              PackInput input) {
    bool release = input == PackInput::consume;
    util::UniqueFd fd(::open(file.c_str(), (release ? O_RDWR : O_RDONLY) | O_CLOEXEC));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) fail(ErrorKind::failed_precondition, "cannot stat {}: {}", file.string(), std::strerror(errno));

    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), st.st_mode & 07777);
    archive_entry_set_size(entry.get(), st.st_size);
    archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK) archive_failed(a, archive_path);

    ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
    off_t packed = 0;
    for (;;) {
        const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
        if (got < 0) {
            if (errno == EINTR) continue;
            fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
        }
        if (got == 0) break;
        if (archive_write_data(a, buffer.data(), static_cast<std::size_t>(got)) != got) archive_failed(a, archive_path);
        // A file system that cannot punch holes only keeps the pages until the file is removed.
        if (release && ::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, packed, got) != 0) release = false;
        packed += got;
    }
}

}  // namespace

std::vector<fs::path> regular_files(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->is_regular_file()) files.push_back(it->path());
    }
    if (ec) fail(ErrorKind::failed_precondition, "cannot read checkpoint directory {}: {}", dir.string(), ec.message());
    std::sort(files.begin(), files.end());
    return files;
}

void pack(const fs::path& dir, const fs::path& archive_path, Compression c, PackInput input) {
    if (const auto codec = streamed_codec(c)) {
        StreamedArchive streamed(archive_path, *codec);
        streamed.add_files(dir, input);
        streamed.close();
        return;
    }
    const std::vector<fs::path> files = regular_files(dir);

    std::unique_ptr<std::FILE, FileCloser> out(std::fopen(archive_path.c_str(), "wbx"));
    if (!out) fail(ErrorKind::failed_precondition, "cannot create {}: {}", archive_path.string(), std::strerror(errno));
    const std::unique_ptr<StreamSink> codec = c == Compression::zlib ? std::make_unique<ZlibWriter>(out.get()) : nullptr;

    std::unique_ptr<archive, ArchiveDeleter> a(archive_write_new());
    if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK) archive_failed(a.get(), archive_path);
    add_filter(a.get(), c, archive_path);
    // Whole blocks: the default pads and flushes every 10 KiB.
    archive_write_set_bytes_per_block(a.get(), static_cast<int>(kBlock));
    // …without padding the end to a whole block, which zstd's decoder rejects.
    archive_write_set_bytes_in_last_block(a.get(), 1);
    int rc = ARCHIVE_OK;
    if (codec) {
        rc = archive_write_open(a.get(), codec.get(), nullptr, sink_write, nullptr);
    } else {
        rc = archive_write_open_FILE(a.get(), out.get());
    }
    if (rc != ARCHIVE_OK) archive_failed(a.get(), archive_path);

    std::string buffer(kBlock, '\0');
    for (const auto& file : files) add_file(a.get(), file, file.filename().string(), archive_path, buffer, input);

    if (archive_write_close(a.get()) != ARCHIVE_OK) archive_failed(a.get(), archive_path);
    if (codec) codec->finish();
    // No fsync: like CRIU's own images, a checkpoint is as durable as the page cache.
    if (std::fflush(out.get()) != 0) {
        fail(ErrorKind::failed_precondition, "cannot write {}: {}", archive_path.string(), std::strerror(errno));
    }
}

}  // namespace cedana::images
