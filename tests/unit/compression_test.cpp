#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
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
}

const std::vector<std::pair<std::string, Compression>> kNames = {
    {"none", Compression::none}, {"tar", Compression::tar},   {"gzip", Compression::gzip},
    {"lz4", Compression::lz4},   {"zlib", Compression::zlib}, {"zstd", Compression::zstd},
};

TEST(CompressionParse, EveryValidNameParsesAndRoundTrips) {
    for (const auto& [name, c] : kNames) {
        EXPECT_EQ(parse_compression(name), c) << name;
        EXPECT_EQ(name_of(c), name);
        EXPECT_EQ(parse_compression(name_of(c)), c);
    }
}

TEST(CompressionParse, InvalidNamesAreRefusedListingTheValidOnes) {
    for (const std::string bad : {"bzip2", "", "GZIP", "gz", " zstd", "tar.gz"}) {
        try {
            parse_compression(bad);
            ADD_FAILURE() << "\"" << bad << "\" was accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::invalid_argument);
            const std::string message = e.what();
            EXPECT_NE(message.find("\"" + bad + "\""), std::string::npos) << message;
            for (const auto& [name, c] : kNames) EXPECT_NE(message.find(name), std::string::npos) << name << " not in: " << message;
        }
    }
}

TEST(CompressionExtension, EachFormatHasItsExtension) {
    EXPECT_EQ(extension(Compression::none), "");
    EXPECT_EQ(extension(Compression::tar), ".tar");
    EXPECT_EQ(extension(Compression::gzip), ".tar.gz");
    EXPECT_EQ(extension(Compression::lz4), ".tar.lz4");
    EXPECT_EQ(extension(Compression::zlib), ".tar.zlib");
    EXPECT_EQ(extension(Compression::zstd), ".tar.zst");
}

TEST(CompressionDetect, DirectoryIsNone) {
    TempDir tmp;
    EXPECT_EQ(detect(tmp.path()), Compression::none);
    // Even one named like an archive.
    fs::create_directories(tmp.path() / "ckpt.tar.gz");
    EXPECT_EQ(detect(tmp.path() / "ckpt.tar.gz"), Compression::none);
}

TEST(CompressionDetect, MissingPathIsNotFoundNamingIt) {
    TempDir tmp;
    const fs::path missing = tmp.path() / "no-such-checkpoint.tar.zst";
    try {
        detect(missing);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::not_found);
        EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
    }
}

TEST(CompressionDetect, TextFileIsInvalidNamingIt) {
    TempDir tmp;
    const fs::path text = tmp.path() / "notes.tar.gz";
    write_file(text, "this is not an archive, just some notes\n");
    try {
        detect(text);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument);
        EXPECT_NE(std::string(e.what()).find(text.string()), std::string::npos) << e.what();
    }
}

TEST(CompressionDetect, EmptyFileIsInvalid) {
    TempDir tmp;
    const fs::path empty = tmp.path() / "empty.tar";
    write_file(empty, "");
    try {
        detect(empty);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument);
    }
}

TEST(CompressionDetect, FifoIsInvalid) {
    TempDir tmp;
    const fs::path fifo = tmp.path() / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    try {
        detect(fifo);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument);
        EXPECT_NE(std::string(e.what()).find(fifo.string()), std::string::npos) << e.what();
    }
}

TEST(CompressionDetect, ContentWinsOverTheName) {
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "core-1.img", std::string(4096, 'c'));
    write_file(src / "pages-1.img", std::string(100000, 'p'));
    // Each format packed under a name that claims another (or none).
    const std::vector<std::pair<Compression, std::string>> cases = {
        {Compression::tar, "ckpt.tar.zst"}, {Compression::gzip, "ckpt.tar.lz4"}, {Compression::lz4, "ckpt.tar.gz"},
        {Compression::zlib, "ckpt.tar"},    {Compression::zstd, "ckpt.tar.gz"},  {Compression::gzip, "checkpoint"},
    };
    int i = 0;
    for (const auto& [c, name] : cases) {
        const fs::path dir = tmp.path() / std::to_string(i++);
        fs::create_directories(dir);
        const fs::path archive = dir / name;
        pack(src, archive, c);
        EXPECT_EQ(detect(archive), c) << name_of(c) << " packed as " << name;
    }
}

TEST(CompressionDetect, PlainTarIsTarWhateverItsFirstFileIsCalled) {
    // A plain tar starts with the name of its first entry. Names whose first two bytes
    // happen to form a valid zlib header ("hb", "x^", "80", "HK", ...) must still be detected
    // as tar: the ustar magic at offset 257 is what identifies a tar.
    TempDir tmp;
    for (const std::string first : {"hbase.img", "core-1.img", "x^.img", "80.img", "HK.img"}) {
        const fs::path src = tmp.path() / ("src-" + first);
        fs::create_directories(src);
        write_file(src / first, "content of " + first);
        const fs::path archive = tmp.path() / ("ckpt-" + first + ".tar");
        pack(src, archive, Compression::tar);
        EXPECT_EQ(name_of(detect(archive)), "tar") << "a plain tar whose first entry is \"" << first << "\"";
    }
}

}  // namespace
}  // namespace cedana::images
