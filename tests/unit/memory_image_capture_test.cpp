#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "images/archive.hpp"
#include "images/checksum.hpp"
#include "images/memory_image_capture.hpp"
#include "images/streamed_archive.hpp"
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

// Opens an image the way CRIU does: an existing FIFO is opened, not replaced.
util::UniqueFd open_like_criu(const fs::path& path) {
    util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    EXPECT_TRUE(fd) << path << ": " << std::strerror(errno);
    return fd;
}

void write_all(int fd, const std::string& data, std::size_t from = 0, std::size_t to = std::string::npos) {
    to = std::min(to, data.size());
    while (from < to) {
        const ssize_t n = ::write(fd, data.data() + from, std::min<std::size_t>(to - from, 300000));
        ASSERT_GT(n, 0) << std::strerror(errno);
        from += static_cast<std::size_t>(n);
    }
}

class MemoryImageCaptureTest : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path images = tmp.path() / "images";
    fs::path archive_path = tmp.path() / "cp.tar.lz4";
    fs::path out = tmp.path() / "out";

    void SetUp() override {
        fs::create_directory(images);
        fs::create_directory(out);
    }

    void extract() { unpack(archive_path, Compression::lz4, out); }
};

TEST_F(MemoryImageCaptureTest, CreatesOneFifoPerImage) {
    StreamedArchive archive(archive_path, FrameCodec::lz4);
    MemoryImageCapture capture(images, 3, archive);
    for (const char* name : {"pages-1.img", "pages-2.img", "pages-3.img"}) {
        struct stat st{};
        ASSERT_EQ(::lstat((images / name).c_str(), &st), 0) << name;
        EXPECT_TRUE(S_ISFIFO(st.st_mode)) << name;
    }
    EXPECT_FALSE(fs::exists(images / "pages-4.img"));
}

// Two images written interleaved, as CRIU writes a task's pages and (here) another image,
// one left unused: both land whole in the archive, the unused one nowhere, and no FIFO stays.
TEST_F(MemoryImageCaptureTest, InterleavedImagesLandWholeAndUnusedOnesVanish) {
    const std::string first = random_bytes((6u << 20) + 17, 11);
    const std::string second = random_bytes(300000, 12);
    std::map<std::string, FileSum> sums;
    {
        StreamedArchive archive(archive_path, FrameCodec::lz4);
        MemoryImageCapture capture(images, 3, archive);
        std::thread criu([&] {
            auto a = open_like_criu(images / "pages-1.img");
            auto b = open_like_criu(images / "pages-2.img");
            write_all(a.get(), first, 0, 2u << 20);
            write_all(b.get(), second, 0, 1000);
            write_all(a.get(), first, 2u << 20);
            write_all(b.get(), second, 1000);
        });
        criu.join();
        sums = capture.finish();
        archive.close();
    }
    EXPECT_EQ(sums.size(), 2u);
    EXPECT_FALSE(fs::exists(images / "pages-1.img"));
    EXPECT_FALSE(fs::exists(images / "pages-3.img"));
    EXPECT_TRUE(fs::is_empty(images));
    extract();
    EXPECT_EQ(read_file(out / "pages-1.img"), first);
    EXPECT_EQ(read_file(out / "pages-2.img"), second);
    EXPECT_FALSE(fs::exists(out / "pages-3.img"));
    EXPECT_EQ(sums, checksum_files(out, {"pages-1.img", "pages-2.img"}));
}

// An image opened and closed without a byte (a task without memory) is still an image.
TEST_F(MemoryImageCaptureTest, AnEmptyImageIsKept) {
    std::map<std::string, FileSum> sums;
    {
        StreamedArchive archive(archive_path, FrameCodec::lz4);
        MemoryImageCapture capture(images, 2, archive);
        std::thread criu([&] { open_like_criu(images / "pages-1.img"); });
        criu.join();
        sums = capture.finish();
        archive.close();
    }
    ASSERT_EQ(sums.size(), 1u);
    EXPECT_EQ(sums.at("pages-1.img").size, 0u);
    extract();
    EXPECT_TRUE(fs::exists(out / "pages-1.img"));
    EXPECT_FALSE(fs::exists(out / "pages-2.img"));
}

// While one image streams into the archive, another grows past what is held in memory: it
// goes to a scratch file and follows whole.
TEST_F(MemoryImageCaptureTest, ASecondLargeImageWaitsInAScratchFile) {
    const std::string live = random_bytes(3u << 20, 21);
    const std::string held = random_bytes(70u << 20, 22);
    std::map<std::string, FileSum> sums;
    {
        StreamedArchive archive(archive_path, FrameCodec::lz4);
        MemoryImageCapture capture(images, 2, archive);
        std::thread criu([&] {
            auto a = open_like_criu(images / "pages-1.img");
            write_all(a.get(), live, 0, 2u << 20);
            // pages-1 passed 1 MiB first; give the capture the chance to see it do so.
            while (true) {
                const int queued = [&] {
                    int n = 0;
                    return ::ioctl(a.get(), FIONREAD, &n) == 0 ? n : -1;
                }();
                if (queued == 0) break;
                std::this_thread::yield();
            }
            auto b = open_like_criu(images / "pages-2.img");
            write_all(b.get(), held);
            b.reset();
            write_all(a.get(), live, 2u << 20);
        });
        criu.join();
        sums = capture.finish();
        archive.close();
    }
    extract();
    EXPECT_EQ(read_file(out / "pages-1.img"), live);
    EXPECT_EQ(read_file(out / "pages-2.img"), held);
    EXPECT_EQ(sums, checksum_files(out, {"pages-1.img", "pages-2.img"}));
}

TEST_F(MemoryImageCaptureTest, WithoutFinishTheFifosAreRemoved) {
    {
        StreamedArchive archive(archive_path, FrameCodec::lz4);
        MemoryImageCapture capture(images, 4, archive);
    }
    EXPECT_TRUE(fs::is_empty(images));
}

TEST_F(MemoryImageCaptureTest, AnImagesDirectoryThatIsGoneFailsClearly) {
    StreamedArchive archive(archive_path, FrameCodec::lz4);
    try {
        MemoryImageCapture capture(tmp.path() / "missing", 1, archive);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("missing/pages-1.img"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace cedana::images
