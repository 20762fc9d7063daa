#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <lz4frame.h>
#include <zstd.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "images/archive.hpp"
#include "images/checksum.hpp"
#include "images/frame_format.hpp"
#include "images/streamed_archive.hpp"
#include "images/tar_header.hpp"
#include "temp_dir.hpp"
#include "test_bytes.hpp"
#include "test_files.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {
namespace {

namespace fs = std::filesystem;
using cedana::testing::random_bytes;
using cedana::testing::read_file;
using cedana::testing::TempDir;

std::string lz4_decompress(const std::string& frame, std::size_t expected) {
    LZ4F_dctx* dctx = nullptr;
    EXPECT_FALSE(LZ4F_isError(LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)));
    std::string out(expected + 16, '\0');
    std::size_t out_size = out.size();
    std::size_t in_size = frame.size();
    const std::size_t rc = LZ4F_decompress(dctx, out.data(), &out_size, frame.data(), &in_size, nullptr);
    LZ4F_freeDecompressionContext(dctx);
    EXPECT_EQ(rc, 0u) << "the frame should be complete: " << (LZ4F_isError(rc) ? LZ4F_getErrorName(rc) : "more input wanted");
    EXPECT_EQ(in_size, frame.size());
    out.resize(out_size);
    return out;
}

TEST(StoredFrame, Lz4FrameHoldsTheBytesAndHasThePredictedSize) {
    for (const std::size_t size : {0u, 1u, 512u, 65536u}) {
        const std::string raw = random_bytes(size, size);
        const std::string frame = stored_frame(FrameCodec::lz4, raw);
        EXPECT_EQ(frame.size(), stored_frame_size(FrameCodec::lz4, size));
        EXPECT_EQ(lz4_decompress(frame, size), raw) << size;
    }
}

TEST(StoredFrame, ZstdFrameHoldsTheBytesAndHasThePredictedSize) {
    for (const std::size_t size : {0u, 1u, 255u, 256u, 512u, 65536u}) {
        const std::string raw = random_bytes(size, size);
        const std::string frame = stored_frame(FrameCodec::zstd, raw);
        EXPECT_EQ(frame.size(), stored_frame_size(FrameCodec::zstd, size));
        EXPECT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), size);
        std::string out(size + 1, '\0');
        const std::size_t got = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
        ASSERT_FALSE(ZSTD_isError(got)) << ZSTD_getErrorName(got);
        out.resize(got);
        EXPECT_EQ(out, raw) << size;
    }
}

TEST(StoredFrame, PlainFrameIsTheBytes) {
    EXPECT_EQ(stored_frame(FrameCodec::none, "abc"), "abc");
    EXPECT_EQ(stored_frame_size(FrameCodec::none, 512), 512u);
}

TEST(StoredFrame, RefusesMoreThan64KiB) { EXPECT_THROW((void)stored_frame(FrameCodec::lz4, std::string(65537, 'x')), std::logic_error); }

// What libarchive makes of one header followed by `size` bytes of data it never reaches.
la_int64_t size_libarchive_reads(const std::string& header) {
    std::string block = header + std::string(2 * kTarBlock, '\0');
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_format_tar(a.get());
    EXPECT_EQ(archive_read_open_memory(a.get(), block.data(), block.size()), ARCHIVE_OK);
    archive_entry* entry = nullptr;
    EXPECT_EQ(archive_read_next_header(a.get(), &entry), ARCHIVE_OK) << archive_error_string(a.get());
    EXPECT_STREQ(archive_entry_pathname(entry), "pages-1.img");
    EXPECT_EQ(archive_entry_filetype(entry), AE_IFREG);
    return archive_entry_size(entry);
}

TEST(TarHeader, SizesBelowAndAbove8GiBReadBack) {
    EXPECT_EQ(size_libarchive_reads(tar_header("pages-1.img", 12345, 0600, 1700000000)), 12345);
    const std::uint64_t big = 9ull << 30;
    EXPECT_EQ(size_libarchive_reads(tar_header("pages-1.img", big, 0600, 1700000000)), static_cast<la_int64_t>(big));
}

TEST(TarHeader, RefusesNamesThatDoNotFit) {
    EXPECT_THROW((void)tar_header(std::string(100, 'a'), 1, 0600, 0), std::invalid_argument);
    EXPECT_THROW((void)tar_header("", 1, 0600, 0), std::invalid_argument);
}

TEST(TarHeader, PaddingReachesTheNextBlock) {
    EXPECT_EQ(tar_padding(0), 0u);
    EXPECT_EQ(tar_padding(1), 511u);
    EXPECT_EQ(tar_padding(512), 0u);
    EXPECT_EQ(tar_padding(513), 511u);
}

class StreamedArchiveRoundTrip : public ::testing::TestWithParam<Compression> {};

// Entries of every kind: whole, read from a descriptor, open ones given by append() and by
// space()/commit(), an empty open one, and data that crosses the writer's 4 MiB chunks.
TEST_P(StreamedArchiveRoundTrip, ExtractsToTheSameFiles) {
    const Compression format = GetParam();
    TempDir tmp;
    const fs::path path = tmp.path() / ("cp" + extension(format));
    const std::string small = "inventory";
    const std::string big = random_bytes((9u << 20) + 123, 1);
    const std::string from_fd = random_bytes(70000, 2);
    const std::string mixed = random_bytes(5u << 20, 3);
    {
        const fs::path source = tmp.path() / "source";
        std::ofstream(source, std::ios::binary) << from_fd;
        util::UniqueFd fd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(fd);

        StreamedArchive a(path, *streamed_codec(format));
        a.begin_entry("pages-1.img");
        std::size_t done = 0;
        while (done < big.size()) {
            const auto room = a.space();
            const std::size_t n = std::min(room.size(), big.size() - done);
            std::copy_n(big.data() + done, n, room.data());
            a.commit(n);
            done += n;
        }
        a.end_entry();
        a.add("inventory.img", small);
        a.begin_entry("pages-2.img");
        a.end_entry();
        a.add_fd("ghost.img", fd.get(), from_fd.size());
        a.begin_entry("pages-3.img");
        a.append(mixed.data(), 1000);
        a.append(mixed.data() + 1000, mixed.size() - 1000);
        a.end_entry();
        a.close();
        EXPECT_EQ(a.size(), fs::file_size(path));
    }
    EXPECT_EQ(detect(path), format);
    const fs::path out = tmp.path() / "out";
    fs::create_directory(out);
    unpack(path, format, out);
    EXPECT_EQ(read_file(out / "pages-1.img"), big);
    EXPECT_EQ(read_file(out / "inventory.img"), small);
    EXPECT_TRUE(fs::exists(out / "pages-2.img"));
    EXPECT_EQ(fs::file_size(out / "pages-2.img"), 0u);
    EXPECT_EQ(read_file(out / "ghost.img"), from_fd);
    EXPECT_EQ(read_file(out / "pages-3.img"), mixed);
    EXPECT_EQ(std::distance(fs::directory_iterator(out), fs::directory_iterator()), 5);
}

INSTANTIATE_TEST_SUITE_P(Formats, StreamedArchiveRoundTrip, ::testing::Values(Compression::tar, Compression::lz4, Compression::zstd),
                         [](const auto& info) { return name_of(info.param); });

TEST(StreamedArchive, OnlyTarLz4AndZstdStream) {
    EXPECT_FALSE(streamed_codec(Compression::none));
    EXPECT_FALSE(streamed_codec(Compression::gzip));
    EXPECT_FALSE(streamed_codec(Compression::zlib));
}

TEST(StreamedArchive, RefusesAnExistingFile) {
    TempDir tmp;
    std::ofstream(tmp.path() / "taken") << "x";
    EXPECT_THROW(StreamedArchive(tmp.path() / "taken", FrameCodec::lz4), Error);
}

TEST(StreamingChecksum, MatchesTheChecksumOfTheSameFile) {
    TempDir tmp;
    for (const std::size_t size : {std::size_t{0}, std::size_t{4096}, std::size_t{kChecksumChunk + 5000}}) {
        const std::string data = random_bytes(size, size + 7);
        std::ofstream(tmp.path() / "f", std::ios::binary | std::ios::trunc) << data;
        StreamingChecksum sum;
        for (std::size_t at = 0; at < size; at += 1000003) sum.update(data.data() + at, std::min<std::size_t>(1000003, size - at));
        const FileSum streamed = sum.finish();
        const FileSum whole = checksum_files(tmp.path(), {"f"}).at("f");
        EXPECT_EQ(streamed.size, size);
        EXPECT_EQ(streamed.xxh3, whole.xxh3) << size;
    }
}

}  // namespace
}  // namespace cedana::images
