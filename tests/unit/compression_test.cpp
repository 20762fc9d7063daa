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

TEST(CompressionDetect, NameAndContentMustAgree) {
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "core-1.img", std::string(4096, 'c'));
    write_file(src / "pages-1.img", std::string(100000, 'p'));
    // Each format packed under a name that claims another, none, or one nobody knows: the
    // message names what it holds and the extension to rename it to.
    const std::vector<std::pair<Compression, std::string>> cases = {
        {Compression::tar, "ckpt.tar.zst"}, {Compression::gzip, "ckpt.tar.lz4"},       {Compression::lz4, "ckpt.tar.gz"},
        {Compression::zlib, "ckpt.tar"},    {Compression::zstd, "ckpt.tar.gz"},        {Compression::gzip, "checkpoint"},
        {Compression::tar, "x.tar.jibberish"}, {Compression::lz4, "ckpt.lz4"},
    };
    int i = 0;
    for (const auto& [c, name] : cases) {
        const fs::path dir = tmp.path() / std::to_string(i++);
        fs::create_directories(dir);
        const fs::path archive = dir / name;
        pack(src, archive, c);
        try {
            detect(archive);
            ADD_FAILURE() << name_of(c) << " packed as " << name << " was accepted";
        } catch (const Error& e) {
            const std::string msg = e.what();
            EXPECT_EQ(e.kind(), ErrorKind::invalid_argument);
            EXPECT_NE(msg.find(archive.string()), std::string::npos) << msg;
            EXPECT_NE(msg.find("rename it to end in " + extension(c)), std::string::npos) << msg;
        }
    }
    // An unknown extension is told which ones are known.
    try {
        detect(tmp.path() / "6" / "x.tar.jibberish");
        ADD_FAILURE() << "accepted x.tar.jibberish";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(".tar, .tar.gz, .tar.lz4, .tar.zlib, .tar.zst"), std::string::npos) << e.what();
    }
}

TEST(CompressionDetect, EachFormatUnderItsOwnNameIsAccepted) {
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directories(src);
    write_file(src / "core-1.img", std::string(4096, 'c'));
    for (const auto c : {Compression::tar, Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd}) {
        const fs::path archive = tmp.path() / ("ckpt" + extension(c));
        pack(src, archive, c);
        EXPECT_EQ(detect(archive), c) << name_of(c);
    }
}

TEST(CompressionFromExtension, KnowsEachExtensionAndNothingElse) {
    EXPECT_EQ(from_extension("a.tar"), Compression::tar);
    EXPECT_EQ(from_extension("a.tar.gz"), Compression::gzip);
    EXPECT_EQ(from_extension("a.tar.lz4"), Compression::lz4);
    EXPECT_EQ(from_extension("a.tar.zlib"), Compression::zlib);
    EXPECT_EQ(from_extension("a.tar.zst"), Compression::zstd);
    EXPECT_EQ(from_extension("a.tar.jibberish"), std::nullopt);
    EXPECT_EQ(from_extension("a.gz"), std::nullopt);
    EXPECT_EQ(from_extension(".tar"), std::nullopt);  // a name that is only an extension
    EXPECT_EQ(from_extension("checkpoint"), std::nullopt);
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
