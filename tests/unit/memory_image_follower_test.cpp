#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "images/checksum.hpp"
#include "images/memory_image_follower.hpp"
#include "temp_dir.hpp"
#include "test_bytes.hpp"

namespace cedana::images {
namespace {

namespace fs = std::filesystem;
using cedana::testing::TempDir;

using cedana::testing::random_bytes;

// Appends `content` to `path` in `pieces` writes through one descriptor, as CRIU writes an
// image: one open, front to back, one close.
void write_in_pieces(const fs::path& path, const std::string& content, std::size_t pieces) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    const std::size_t step = content.size() / pieces + 1;
    for (std::size_t off = 0; off < content.size(); off += step) {
        const std::size_t n = std::min(step, content.size() - off);
        ASSERT_EQ(::write(fd, content.data() + off, n), static_cast<ssize_t>(n));
    }
    ASSERT_EQ(::close(fd), 0);
}

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

TEST(MemoryImageFollower, SumsWhatIsWrittenWhileFollowingLikeAFullHash) {
    TempDir tmp;
    MemoryImageFollower follower(tmp.path());
    std::thread writer([&] {
        write_in_pieces(tmp.path() / "pages-1.img", random_bytes(3 * 1024 * 1024 + 17, 1), 40);
        write_in_pieces(tmp.path() / "pages-2.img", "", 1);
        write_file(tmp.path() / "core-1.img", "not a memory image");
        write_file(tmp.path() / "pagemap-1.img", "nor this");
    });
    writer.join();
    const auto sums = follower.finish();

    const auto expected = checksum_files(tmp.path(), {"pages-1.img", "pages-2.img"});
    ASSERT_EQ(sums.size(), 2u);
    EXPECT_EQ(sums.at("pages-1.img").size, 3u * 1024 * 1024 + 17);
    EXPECT_EQ(sums.at("pages-1.img").xxh3, expected.at("pages-1.img").xxh3);
    EXPECT_EQ(sums.at("pages-2.img").size, 0u);
    EXPECT_EQ(sums.at("pages-2.img").xxh3, expected.at("pages-2.img").xxh3);
}

TEST(MemoryImageFollower, ChunkBoundariesMatchTheDocumentedFormat) {
    TempDir tmp;
    MemoryImageFollower follower(tmp.path());
    // Exactly one chunk (no empty chunk after it), and one byte into the next.
    const std::string chunk = random_bytes(kChecksumChunk, 2);
    write_in_pieces(tmp.path() / "pages-1.img", chunk, 7);
    write_in_pieces(tmp.path() / "pages-2.img", chunk + "x", 3);
    const auto sums = follower.finish();
    const auto expected = checksum_files(tmp.path(), {"pages-1.img", "pages-2.img"});
    EXPECT_EQ(sums.at("pages-1.img").xxh3, expected.at("pages-1.img").xxh3);
    EXPECT_EQ(sums.at("pages-2.img").xxh3, expected.at("pages-2.img").xxh3);
    EXPECT_NE(sums.at("pages-1.img").xxh3, sums.at("pages-2.img").xxh3);
}

TEST(MemoryImageFollower, AnImageWrittenTwiceIsHashedAgainFromTheStart) {
    TempDir tmp;
    MemoryImageFollower follower(tmp.path());
    write_in_pieces(tmp.path() / "pages-1.img", random_bytes(1 << 20, 3), 4);
    write_in_pieces(tmp.path() / "pages-1.img", random_bytes((1 << 20) + 5, 4), 4);
    const auto sums = follower.finish();
    EXPECT_EQ(sums.at("pages-1.img").size, (1u << 20) + 5);
    EXPECT_EQ(sums.at("pages-1.img").xxh3, checksum_files(tmp.path(), {"pages-1.img"}).at("pages-1.img").xxh3);
}

TEST(MemoryImageFollower, AnImageCutShortAfterWritingIsHashedAgain) {
    TempDir tmp;
    MemoryImageFollower follower(tmp.path());
    write_in_pieces(tmp.path() / "pages-1.img", random_bytes(1 << 20, 5), 2);
    fs::resize_file(tmp.path() / "pages-1.img", 1000);
    const auto sums = follower.finish();
    EXPECT_EQ(sums.at("pages-1.img").size, 1000u);
    EXPECT_EQ(sums.at("pages-1.img").xxh3, checksum_files(tmp.path(), {"pages-1.img"}).at("pages-1.img").xxh3);
}

TEST(MemoryImageFollower, AnImageThatWasThereBeforeIsHashedWhole) {
    TempDir tmp;
    write_file(tmp.path() / "pages-3.img", random_bytes(70000, 6));
    MemoryImageFollower follower(tmp.path());
    const auto sums = follower.finish();
    EXPECT_EQ(sums.at("pages-3.img").xxh3, checksum_files(tmp.path(), {"pages-3.img"}).at("pages-3.img").xxh3);
}

TEST(MemoryImageFollower, ADirectoryThatDoesNotExistCannotBeFollowed) {
    TempDir tmp;
    EXPECT_ANY_THROW(MemoryImageFollower(tmp.path() / "missing"));
}

}  // namespace
}  // namespace cedana::images
