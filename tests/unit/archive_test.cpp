#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "test_bytes.hpp"
#include "test_files.hpp"
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "images/archive.hpp"
#include "images/compression.hpp"
#include "util/error.hpp"

namespace cedana::images {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed with everything in it at the end.
using cedana::testing::TempDir;

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    ASSERT_TRUE(out.good()) << path;
}

using cedana::testing::read_file;

using cedana::testing::random_bytes;

// Compressible but not trivially so: text lines with counters.
std::string text_bytes(std::size_t size) {
    std::string out;
    out.reserve(size + 64);
    for (std::size_t i = 0; out.size() < size; ++i) out += "page " + std::to_string(i) + " of a checkpoint image, value " + std::to_string(i * 7919 % 1000) + "\n";
    out.resize(size);
    return out;
}

// The names and contents of the regular files and the names of everything else in `dir`.
std::map<std::string, std::string> tree(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        const auto rel = fs::relative(entry.path(), dir).string();
        if (entry.is_symlink()) {
            out[rel] = "<symlink>";
        } else if (entry.is_regular_file()) {
            out[rel] = read_file(entry.path());
        } else if (entry.is_directory()) {
            out[rel] = "<dir>";
        } else {
            out[rel] = "<other>";
        }
    }
    return out;
}

const std::vector<Compression> kFormats = {Compression::tar, Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd};
const std::vector<Compression> kCompressed = {Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd};

std::string format_name(const ::testing::TestParamInfo<Compression>& info) { return name_of(info.param); }

// ---- round trips ----------------------------------------------------------------------------

class ArchiveRoundTrip : public ::testing::TestWithParam<Compression> {};

TEST_P(ArchiveRoundTrip, ContentIsByteIdenticalAndFormatIsDetected) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "empty.img", "");
    write_file(src / "core-1.img", "small core image\n");
    write_file(src / "pages-1.img", random_bytes(3u << 20, 42));
    write_file(src / "pages-2.img", text_bytes(8u << 20));
    write_file(src / "dump.log", std::string(1, '\0') + "binary\xff\xfe log");
    // Checkpoints are flat: subdirectories are not packed.
    fs::create_directories(src / "subdir");
    write_file(src / "subdir" / "nested.img", "nested");

    const fs::path archive = tmp.path() / ("ckpt" + extension(c));
    pack(src, archive, c);
    ASSERT_TRUE(fs::is_regular_file(archive));
    EXPECT_EQ(detect(archive), c);

    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    unpack(archive, c, dest);

    auto expected = tree(src);
    expected.erase("subdir");
    expected.erase((fs::path("subdir") / "nested.img").string());
    const auto actual = tree(dest);
    ASSERT_EQ(actual.size(), expected.size());
    for (const auto& [name, content] : expected) {
        const auto it = actual.find(name);
        ASSERT_NE(it, actual.end()) << name << " is missing after unpack";
        EXPECT_EQ(it->second.size(), content.size()) << name;
        EXPECT_TRUE(it->second == content) << name << " differs after unpack";
    }
    EXPECT_EQ(fs::file_size(dest / "empty.img"), 0u);
}

TEST_P(ArchiveRoundTrip, ConsumedInputRoundTripsAndItsPagesAreReleased) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "core-1.img", "small core image\n");
    write_file(src / "pages-1.img", random_bytes(5u << 20, 7));
    const auto expected = tree(src);

    const fs::path archive = tmp.path() / ("ckpt" + extension(c));
    pack(src, archive, c, PackInput::consume);
    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    unpack(archive, c, dest);
    EXPECT_TRUE(tree(dest) == expected);

    // The size stays; the blocks behind it are gone, where the file system punches holes.
    {
        const fs::path probe = tmp.path() / "probe";
        write_file(probe, std::string(8192, 'x'));
        const int fd = ::open(probe.c_str(), O_RDWR | O_CLOEXEC);
        ASSERT_GE(fd, 0);
        const bool punches = ::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) == 0;
        ::close(fd);
        if (!punches) GTEST_SKIP() << "the file system of " << tmp.path() << " cannot punch holes";
    }
    struct stat st {};
    ASSERT_EQ(::stat((src / "pages-1.img").c_str(), &st), 0);
    EXPECT_EQ(static_cast<std::uint64_t>(st.st_size), 5u << 20);
    EXPECT_LT(static_cast<std::uint64_t>(st.st_blocks) * 512, 1u << 20);
}

TEST_P(ArchiveRoundTrip, EmptyDirectoryRoundTrips) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    const fs::path archive = tmp.path() / ("ckpt" + extension(c));
    pack(src, archive, c);
    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    unpack(archive, c, dest);
    EXPECT_TRUE(fs::is_empty(dest));
}

TEST_P(ArchiveRoundTrip, PackDoesNotOverwriteAnExistingArchive) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "core-1.img", "core");
    const fs::path archive = tmp.path() / ("ckpt" + extension(c));
    write_file(archive, "precious existing content");
    try {
        pack(src, archive, c);
        FAIL() << "pack overwrote an existing file";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::failed_precondition);
        EXPECT_NE(std::string(e.what()).find(archive.string()), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_file(archive), "precious existing content");
}

INSTANTIATE_TEST_SUITE_P(ArchiveFormats, ArchiveRoundTrip, ::testing::ValuesIn(kFormats), format_name);

TEST(ArchivePack, RefusesCompressionNone) {
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "core-1.img", "core");
    EXPECT_THROW(pack(src, tmp.path() / "ckpt", Compression::none), std::logic_error);
}

TEST(ArchivePack, MissingSourceDirectoryIsACedanaError) {
    // pack() promises cedana::Error; a missing directory must not escape as a
    // std::filesystem::filesystem_error (which the daemon would report as "internal").
    TempDir tmp;
    try {
        pack(tmp.path() / "no-such-dir", tmp.path() / "ckpt.tar", Compression::tar);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no-such-dir"), std::string::npos) << e.what();
    } catch (const std::exception& e) {
        FAIL() << "pack threw " << typeid(e).name() << " instead of cedana::Error: " << e.what();
    }
}

TEST(ArchiveUnpack, MissingArchiveIsNotFound) {
    TempDir tmp;
    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    try {
        unpack(tmp.path() / "nope.tar.gz", Compression::gzip, dest);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::not_found);
    }
}

// ---- malicious archives ---------------------------------------------------------------------

struct Entry {
    std::string name;
    unsigned filetype = AE_IFREG;
    std::string content;
    std::string symlink;
    std::string hardlink;
    dev_t rdev = 0;
};

Entry file_entry(const std::string& name, const std::string& content) {
    Entry e;
    e.name = name;
    e.content = content;
    return e;
}
Entry typed_entry(const std::string& name, unsigned filetype, dev_t rdev = 0) {
    Entry e;
    e.name = name;
    e.filetype = filetype;
    e.rdev = rdev;
    return e;
}
Entry symlink_entry(const std::string& name, const std::string& target) {
    Entry e = typed_entry(name, AE_IFLNK);
    e.symlink = target;
    return e;
}
Entry hardlink_entry(const std::string& name, const std::string& target) {
    Entry e;
    e.name = name;
    e.hardlink = target;
    return e;
}

struct WriteDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

// Writes a plain tar (or gzip-compressed tar) with exactly the given entries.
void write_tar(const fs::path& path, const std::vector<Entry>& entries, bool gzip = false) {
    std::unique_ptr<archive, WriteDeleter> a(archive_write_new());
    ASSERT_EQ(archive_write_set_format_pax_restricted(a.get()), ARCHIVE_OK);
    if (gzip) {
        ASSERT_EQ(archive_write_add_filter_gzip(a.get()), ARCHIVE_OK);
    }
    ASSERT_EQ(archive_write_open_filename(a.get(), path.c_str()), ARCHIVE_OK) << archive_error_string(a.get());
    for (const auto& e : entries) {
        std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
        archive_entry_set_pathname(entry.get(), e.name.c_str());
        archive_entry_set_filetype(entry.get(), e.filetype);
        archive_entry_set_perm(entry.get(), 0644);
        if (!e.symlink.empty()) archive_entry_set_symlink(entry.get(), e.symlink.c_str());
        if (!e.hardlink.empty()) archive_entry_set_hardlink(entry.get(), e.hardlink.c_str());
        if (e.rdev != 0) archive_entry_set_rdev(entry.get(), e.rdev);
        archive_entry_set_size(entry.get(), e.filetype == AE_IFREG && e.hardlink.empty() ? static_cast<la_int64_t>(e.content.size()) : 0);
        ASSERT_EQ(archive_write_header(a.get(), entry.get()), ARCHIVE_OK) << archive_error_string(a.get());
        if (e.filetype == AE_IFREG && e.hardlink.empty() && !e.content.empty()) {
            ASSERT_EQ(archive_write_data(a.get(), e.content.data(), e.content.size()), static_cast<la_ssize_t>(e.content.size()));
        }
    }
    ASSERT_EQ(archive_write_close(a.get()), ARCHIVE_OK) << archive_error_string(a.get());
}

// Unpacks `archive` into a fresh `dest` and expects it to be refused as unsafe, with nothing
// written beside `dest` (or into it, since the bad entry is the first one).
void expect_refused(const TempDir& tmp, const std::vector<Entry>& entries, const std::string& needle, bool gzip = false) {
    const fs::path archive = tmp.path() / (gzip ? "evil.tar.gz" : "evil.tar");
    write_tar(archive, entries, gzip);
    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    const auto before = tree(tmp.path());
    try {
        unpack(archive, gzip ? Compression::gzip : Compression::tar, dest);
        FAIL() << "unpack accepted an archive with entry \"" << entries.back().name << "\"";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("unsafe"), std::string::npos) << e.what();
    }
    EXPECT_EQ(tree(tmp.path()), before) << "unpack wrote something";
    EXPECT_TRUE(fs::is_empty(dest));
}

TEST(ArchiveUnsafe, DotDotEntryIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {file_entry("../evil", "pwned")}, "../evil");
    EXPECT_FALSE(fs::exists(tmp.path() / "evil"));
}

TEST(ArchiveUnsafe, NestedDotDotEntryIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {file_entry("a/../../evil", "pwned")}, "a/../../evil");
    EXPECT_FALSE(fs::exists(tmp.path() / "evil"));
}

TEST(ArchiveUnsafe, DotDotEntryInGzipIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {file_entry("../evil", "pwned")}, "../evil", /*gzip=*/true);
    EXPECT_FALSE(fs::exists(tmp.path() / "evil"));
}

TEST(ArchiveUnsafe, AbsoluteEntryIsRefused) {
    TempDir tmp;
    const fs::path outside = tmp.path() / "outside-evil";
    expect_refused(tmp, {file_entry(outside.string(), "pwned")}, outside.string());
    EXPECT_FALSE(fs::exists(outside));
}

TEST(ArchiveUnsafe, AbsoluteTmpEntryIsRefused) {
    TempDir tmp;
    const std::string name = "/tmp/cedana-archive-test-evil-" + std::to_string(::getpid());
    expect_refused(tmp, {file_entry(name, "pwned")}, name);
    EXPECT_FALSE(fs::exists(name));
}

TEST(ArchiveUnsafe, SymlinkEntryIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {symlink_entry("link", "..")}, "link");
}

TEST(ArchiveUnsafe, SymlinkThenWriteThroughItIsRefused) {
    TempDir tmp;
    // The classic: a symlink to the parent, then a file "through" it. The link is refused
    // before anything is written.
    expect_refused(tmp, {symlink_entry("up", ".."), file_entry("up/evil", "pwned")}, "up");
    EXPECT_FALSE(fs::exists(tmp.path() / "evil"));
}

TEST(ArchiveUnsafe, HardlinkEntryIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {hardlink_entry("passwd", "/etc/passwd")}, "hard link");
}

TEST(ArchiveUnsafe, CharacterDeviceEntryIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {typed_entry("null", AE_IFCHR, makedev(1, 3))}, "null");
}

TEST(ArchiveUnsafe, BlockDeviceEntryIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {typed_entry("sda", AE_IFBLK, makedev(8, 0))}, "sda");
}

TEST(ArchiveUnsafe, FifoEntryIsRefused) {
    TempDir tmp;
    expect_refused(tmp, {typed_entry("fifo", AE_IFIFO)}, "fifo");
}

TEST(ArchiveUnpack, FileThenFileBelowItIsACedanaError) {
    // "a" as a file, then "a/b": the second cannot be created. unpack must say so as a
    // cedana::Error, not let std::filesystem::filesystem_error escape.
    TempDir tmp;
    const fs::path archive = tmp.path() / "clash.tar";
    write_tar(archive, {file_entry("a", "file"), file_entry("a/b", "below a file")});
    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    try {
        unpack(archive, Compression::tar, dest);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        SUCCEED() << e.what();
    } catch (const std::exception& e) {
        FAIL() << "unpack threw " << typeid(e).name() << " instead of cedana::Error: " << e.what();
    }
}

TEST(ArchiveUnpack, DuplicateEntryIsACedanaError) {
    TempDir tmp;
    const fs::path archive = tmp.path() / "dup.tar";
    write_tar(archive, {file_entry("core-1.img", "first"), file_entry("core-1.img", "second")});
    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    EXPECT_THROW(unpack(archive, Compression::tar, dest), Error);
    // The first one is not silently replaced.
    EXPECT_EQ(read_file(dest / "core-1.img"), "first");
}

TEST(ArchiveUnsafe, PlainFilesAndDirectoriesAreAccepted) {
    // The control for the tests above: the same writer, with safe entries, unpacks.
    TempDir tmp;
    const fs::path archive = tmp.path() / "ok.tar";
    write_tar(archive, {file_entry("core-1.img", "core"), typed_entry("dir", AE_IFDIR), file_entry("dir/x.img", "x")});
    const fs::path dest = tmp.path() / "dest";
    fs::create_directories(dest);
    unpack(archive, Compression::tar, dest);
    EXPECT_EQ(read_file(dest / "core-1.img"), "core");
    EXPECT_EQ(read_file(dest / "dir" / "x.img"), "x");
}

// ---- corrupted archives ---------------------------------------------------------------------

// A packed checkpoint of compressible images, so that damage to the compressed stream is
// damage to its structure.
fs::path packed(const TempDir& tmp, Compression c) {
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "core-1.img", text_bytes(64 << 10));
    write_file(src / "pages-1.img", text_bytes(4u << 20));
    write_file(src / "pages-2.img", text_bytes(1u << 20));
    const fs::path archive = tmp.path() / ("ckpt" + extension(c));
    pack(src, archive, c);
    return archive;
}

void expect_unpack_fails(const fs::path& archive, Compression c, const fs::path& dest) {
    fs::create_directories(dest);
    try {
        unpack(archive, c, dest);
        FAIL() << name_of(c) << ": unpack accepted a damaged archive";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
    }
}

class ArchiveCorrupt : public ::testing::TestWithParam<Compression> {};

TEST_P(ArchiveCorrupt, TruncatedToHalfFails) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path archive = packed(tmp, c);
    const auto size = fs::file_size(archive);
    ASSERT_GT(size, 1024u);
    fs::resize_file(archive, size / 2);
    expect_unpack_fails(archive, c, tmp.path() / "dest");
}

TEST_P(ArchiveCorrupt, FlippedBytesInTheMiddleFail) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path archive = packed(tmp, c);
    std::string bytes = read_file(archive);
    ASSERT_GT(bytes.size(), 1024u);
    const std::size_t middle = bytes.size() / 2;
    for (std::size_t i = middle; i < middle + 64; ++i) bytes[i] = static_cast<char>(~bytes[i]);
    fs::remove(archive);
    write_file(archive, bytes);
    expect_unpack_fails(archive, c, tmp.path() / "dest");
}

INSTANTIATE_TEST_SUITE_P(ArchiveCompressed, ArchiveCorrupt, ::testing::ValuesIn(kCompressed), format_name);

TEST(ArchiveCorruptTar, TruncatedPlainTarFails) {
    TempDir tmp;
    const fs::path archive = packed(tmp, Compression::tar);
    fs::resize_file(archive, fs::file_size(archive) / 2);
    expect_unpack_fails(archive, Compression::tar, tmp.path() / "dest");
}

TEST(ArchiveCorruptTar, GarbageFails) {
    TempDir tmp;
    const fs::path archive = tmp.path() / "garbage.tar.zst";
    write_file(archive, random_bytes(100000, 7));
    for (Compression c : kFormats) {
        expect_unpack_fails(archive, c, tmp.path() / ("dest-" + name_of(c)));
    }
}

}  // namespace
}  // namespace cedana::images
