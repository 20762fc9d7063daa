#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "images/checksum.hpp"
#include "images/metadata.hpp"
#include "util/error.hpp"

namespace cedana::images {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A fresh directory per test, removed with everything in it at the end.
using cedana::testing::TempDir;

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string random_bytes(std::size_t size, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::string out(size, '\0');
    for (auto& ch : out) ch = static_cast<char>(rng());
    return out;
}

// The documented checksum of a file of at most one 64 MiB chunk: XXH3-64 over the
// little-endian XXH3-64 of its content, as 16 hex digits.
std::string expected_sum(const std::string& content) {
    const std::uint64_t inner = XXH3_64bits(content.data(), content.size());
    unsigned char le[8];
    for (int b = 0; b < 8; ++b) le[b] = static_cast<unsigned char>(inner >> (8 * b));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH3_64bits(le, sizeof le)));
    return hex;
}

template <typename F>
std::string expect_invalid(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected cedana::Error(invalid_argument)";
    return "";
}

Metadata full_metadata() {
    Metadata meta;
    meta.type = "process";
    meta.pid = 424242;
    meta.command = "/usr/bin/python3 -c \"print('héllo')\"\t--flag";
    meta.compression = "zstd";
    meta.criu_version = "3.19";
    meta.host = "node-7.example";
    meta.time_unix = 1'767'225'600'123LL;
    meta.shell_job = true;
    meta.stdio = {{0, "null", "dev/null"}, {1, "pipe", "pipe:[123456]"}, {2, "tty", "tty[88:3]"}};
    meta.files = {{"core-1.img", {1234, "0123456789abcdef"}}, {"pages-1.img", {9'000'000'000ULL, "fedcba9876543210"}}, {"empty.img", {0, "0000000000000000"}}};
    return meta;
}

// ---- write / read ---------------------------------------------------------------------------

TEST(MetadataIo, RoundTripsEveryField) {
    TempDir tmp;
    const Metadata meta = full_metadata();
    write_metadata(tmp.path(), meta);
    ASSERT_TRUE(fs::is_regular_file(tmp.path() / kMetadataFile));

    const Metadata got = read_metadata(tmp.path());
    EXPECT_EQ(got.format_version, kFormatVersion);
    EXPECT_EQ(got.type, meta.type);
    EXPECT_EQ(got.pid, meta.pid);
    EXPECT_EQ(got.command, meta.command);
    EXPECT_EQ(got.compression, meta.compression);
    EXPECT_EQ(got.criu_version, meta.criu_version);
    EXPECT_EQ(got.host, meta.host);
    EXPECT_EQ(got.time_unix, meta.time_unix);
    EXPECT_EQ(got.shell_job, meta.shell_job);
    ASSERT_EQ(got.stdio.size(), meta.stdio.size());
    for (std::size_t i = 0; i < meta.stdio.size(); ++i) {
        EXPECT_EQ(got.stdio[i].fd, meta.stdio[i].fd);
        EXPECT_EQ(got.stdio[i].kind, meta.stdio[i].kind);
        EXPECT_EQ(got.stdio[i].key, meta.stdio[i].key);
    }
    ASSERT_EQ(got.files.size(), meta.files.size());
    for (const auto& [name, sum] : meta.files) {
        ASSERT_TRUE(got.files.contains(name)) << name;
        EXPECT_EQ(got.files.at(name).size, sum.size) << name;
        EXPECT_EQ(got.files.at(name).xxh3, sum.xxh3) << name;
    }
    EXPECT_EQ(got.total_size(), 1234u + 9'000'000'000ULL);
}

TEST(MetadataIo, WrittenJsonCarriesTheTotalSize) {
    TempDir tmp;
    write_metadata(tmp.path(), full_metadata());
    const json doc = json::parse(read_file(tmp.path() / kMetadataFile));
    EXPECT_EQ(doc.at("format_version").get<int>(), kFormatVersion);
    EXPECT_EQ(doc.at("size").get<std::uint64_t>(), 1234u + 9'000'000'000ULL);
    EXPECT_EQ(doc.at("files").at("core-1.img").at("xxh3").get<std::string>(), "0123456789abcdef");
}

TEST(MetadataIo, RewriteReplacesTheOldFile) {
    TempDir tmp;
    write_metadata(tmp.path(), full_metadata());
    Metadata small;
    small.type = "process";
    small.pid = 7;
    write_metadata(tmp.path(), small);
    const Metadata got = read_metadata(tmp.path());
    EXPECT_EQ(got.pid, 7);
    EXPECT_TRUE(got.files.empty());
    EXPECT_TRUE(got.stdio.empty());
    EXPECT_FALSE(got.shell_job);
}

TEST(MetadataIo, OptionalFieldsDefault) {
    TempDir tmp;
    write_file(tmp.path() / kMetadataFile, R"({"format_version": 1, "type": "process", "pid": 5, "stdio": [], "files": {}})");
    const Metadata got = read_metadata(tmp.path());
    EXPECT_EQ(got.pid, 5);
    EXPECT_EQ(got.command, "");
    EXPECT_EQ(got.compression, "");
    EXPECT_EQ(got.time_unix, 0);
    EXPECT_FALSE(got.shell_job);
}

TEST(MetadataIo, MissingFileIsInvalid) {
    TempDir tmp;
    const std::string message = expect_invalid([&] { read_metadata(tmp.path()); });
    EXPECT_NE(message.find(kMetadataFile), std::string::npos) << message;
}

TEST(MetadataIo, MalformedJsonIsInvalid) {
    TempDir tmp;
    for (const std::string text : {"", "{", "not json", R"({"format_version": 1, "type": "process",})", "[1, 2, 3]", "null"}) {
        write_file(tmp.path() / kMetadataFile, text);
        const std::string message = expect_invalid([&] { read_metadata(tmp.path()); });
        EXPECT_NE(message.find(kMetadataFile), std::string::npos) << "for \"" << text << "\": " << message;
    }
}

TEST(MetadataIo, MissingOrMistypedRequiredFieldsAreInvalid) {
    TempDir tmp;
    for (const std::string text : {
             R"({"type": "process", "pid": 5, "stdio": [], "files": {}})",
             R"({"format_version": 1, "pid": 5, "stdio": [], "files": {}})",
             R"({"format_version": 1, "type": "process", "stdio": [], "files": {}})",
             R"({"format_version": 1, "type": "process", "pid": 5, "files": {}})",
             R"({"format_version": 1, "type": "process", "pid": 5, "stdio": []})",
             R"({"format_version": 1, "type": "process", "pid": "five", "stdio": [], "files": {}})",
             R"({"format_version": 1, "type": "process", "pid": 5, "stdio": [{"fd": 0}], "files": {}})",
             R"({"format_version": 1, "type": "process", "pid": 5, "stdio": [], "files": {"a.img": {"size": 1}}})",
         }) {
        write_file(tmp.path() / kMetadataFile, text);
        const std::string message = expect_invalid([&] { read_metadata(tmp.path()); });
        EXPECT_FALSE(message.empty()) << text;
    }
}

// A checkpoint from a remote store or another machine is not to be trusted: names it gives
// are joined to the checkpoint directory (an absolute one would replace it), and a size
// error would tell the caller how large a file outside it is.
TEST(MetadataIo, NamesAndNumbersADumpCannotWriteAreRefused) {
    TempDir tmp;
    const std::string head = R"({"format_version": 1, "type": "process", )";
    for (const std::string& rest : {
             std::string(R"("pid": 5, "stdio": [], "files": {"/etc/shadow": {"size": 1, "xxh3": "00"}}})"),
             std::string(R"("pid": 5, "stdio": [], "files": {"../../x.img": {"size": 1, "xxh3": "00"}}})"),
             std::string(R"("pid": 5, "stdio": [], "files": {"..": {"size": 1, "xxh3": "00"}}})"),
             std::string(R"("pid": 5, "stdio": [], "files": {"": {"size": 1, "xxh3": "00"}}})"),
             std::string(R"("pid": 5, "stdio": [], "files": {")") + std::string(256, 'a') + R"(": {"size": 1, "xxh3": "00"}}})",
             std::string(R"("pid": 0, "stdio": [], "files": {}})"),
             std::string(R"("pid": 5, "pids": [5, -1], "stdio": [], "files": {}})"),
             std::string(R"("pid": 5, "streams": 1, "stdio": [], "files": {}})"),
             std::string(R"("pid": 5, "streams": -4, "stdio": [], "files": {}})"),
             std::string(R"("pid": 5, "streams": 100000, "stdio": [], "files": {}})"),
             std::string(R"("pid": 5, "stdio": [{"fd": 7, "kind": "pipe", "key": "pipe:[1]"}], "files": {}})"),
         }) {
        write_file(tmp.path() / kMetadataFile, head + rest);
        const std::string message = expect_invalid([&] { read_metadata(tmp.path()); });
        EXPECT_NE(message.find("refusing"), std::string::npos) << rest << ": " << message;
    }
}

TEST(MetadataIo, AnOversizedFileIsRefusedUnread) {
    TempDir tmp;
    write_file(tmp.path() / kMetadataFile, "{\"pad\": \"" + std::string(17u << 20, 'x') + "\"}");
    const std::string message = expect_invalid([&] { read_metadata(tmp.path()); });
    EXPECT_NE(message.find("bytes"), std::string::npos) << message;
}

TEST(MetadataIo, NewerFormatVersionIsRefused) {
    TempDir tmp;
    Metadata meta = full_metadata();
    meta.format_version = kFormatVersion + 1;
    write_metadata(tmp.path(), meta);
    const std::string message = expect_invalid([&] { read_metadata(tmp.path()); });
    EXPECT_NE(message.find("newer"), std::string::npos) << message;
    EXPECT_NE(message.find(std::to_string(kFormatVersion + 1)), std::string::npos) << message;
    EXPECT_NE(message.find("upgrade"), std::string::npos) << message;
}

// ---- verify_images --------------------------------------------------------------------------

// A checkpoint directory with images and its cedana.json.
Metadata make_checkpoint(const fs::path& dir) {
    write_file(dir / "core-1.img", "core image of pid 1");
    write_file(dir / "pages-1.img", random_bytes(200000, 1));
    write_file(dir / "empty.img", "");
    write_file(dir / "dump.log", "(00.001) dumping\n");
    Metadata meta;
    meta.type = "process";
    meta.pid = 1;
    meta.files = checksum_dir(dir, {kMetadataFile});
    write_metadata(dir, meta);
    return meta;
}

TEST(MetadataVerify, IntactImagesPass) {
    TempDir tmp;
    make_checkpoint(tmp.path());
    const Metadata meta = read_metadata(tmp.path());
    EXPECT_EQ(meta.files.size(), 4u);
    EXPECT_FALSE(meta.files.contains(kMetadataFile));
    EXPECT_NO_THROW(verify_images(tmp.path(), meta));
}

TEST(MetadataVerify, ExtraFilesAreIgnored) {
    TempDir tmp;
    const Metadata meta = make_checkpoint(tmp.path());
    write_file(tmp.path() / "restore.log", "written by a restore");
    EXPECT_NO_THROW(verify_images(tmp.path(), meta));
}

TEST(MetadataVerify, OneChangedByteFailsNamingTheImage) {
    TempDir tmp;
    const Metadata meta = make_checkpoint(tmp.path());
    std::string pages = read_file(tmp.path() / "pages-1.img");
    pages[pages.size() / 2] = static_cast<char>(pages[pages.size() / 2] ^ 0x01);
    write_file(tmp.path() / "pages-1.img", pages);
    const std::string message = expect_invalid([&] { verify_images(tmp.path(), meta); });
    EXPECT_NE(message.find("pages-1.img"), std::string::npos) << message;
    EXPECT_NE(message.find("checksum"), std::string::npos) << message;
}

TEST(MetadataVerify, TruncatedImageFailsNamingTheImage) {
    TempDir tmp;
    const Metadata meta = make_checkpoint(tmp.path());
    fs::resize_file(tmp.path() / "pages-1.img", 100000);
    const std::string message = expect_invalid([&] { verify_images(tmp.path(), meta); });
    EXPECT_NE(message.find("pages-1.img"), std::string::npos) << message;
    EXPECT_NE(message.find("100000"), std::string::npos) << message;
    EXPECT_NE(message.find("200000"), std::string::npos) << message;
}

TEST(MetadataVerify, GrownEmptyImageFails) {
    TempDir tmp;
    const Metadata meta = make_checkpoint(tmp.path());
    write_file(tmp.path() / "empty.img", "x");
    const std::string message = expect_invalid([&] { verify_images(tmp.path(), meta); });
    EXPECT_NE(message.find("empty.img"), std::string::npos) << message;
}

TEST(MetadataVerify, MissingImageFailsNamingTheImage) {
    TempDir tmp;
    const Metadata meta = make_checkpoint(tmp.path());
    fs::remove(tmp.path() / "core-1.img");
    const std::string message = expect_invalid([&] { verify_images(tmp.path(), meta); });
    EXPECT_NE(message.find("core-1.img"), std::string::npos) << message;
    EXPECT_NE(message.find("missing"), std::string::npos) << message;
}

TEST(MetadataVerify, ImageReplacedByADirectoryIsMissing) {
    TempDir tmp;
    const Metadata meta = make_checkpoint(tmp.path());
    fs::remove(tmp.path() / "core-1.img");
    fs::create_directories(tmp.path() / "core-1.img");
    const std::string message = expect_invalid([&] { verify_images(tmp.path(), meta); });
    EXPECT_NE(message.find("core-1.img"), std::string::npos) << message;
}

TEST(MetadataVerify, MemoryImagesAndTheRestAreCheckedApart) {
    TempDir tmp;
    const Metadata meta = make_checkpoint(tmp.path());
    EXPECT_TRUE(is_memory_image("pages-1.img"));
    EXPECT_TRUE(is_memory_image("pages-12.img"));
    EXPECT_FALSE(is_memory_image("pagemap-1.img"));
    EXPECT_FALSE(is_memory_image("core-1.img"));

    std::string pages = read_file(tmp.path() / "pages-1.img");
    pages[7] = static_cast<char>(pages[7] ^ 0x80);
    write_file(tmp.path() / "pages-1.img", pages);
    EXPECT_NO_THROW(verify_images(tmp.path(), meta, ImageSet::all_but_memory));
    std::string message = expect_invalid([&] { verify_images(tmp.path(), meta, ImageSet::memory); });
    EXPECT_NE(message.find("pages-1.img"), std::string::npos) << message;

    pages[7] = static_cast<char>(pages[7] ^ 0x80);
    write_file(tmp.path() / "pages-1.img", pages);
    write_file(tmp.path() / "core-1.img", "core image of pid 2");
    EXPECT_NO_THROW(verify_images(tmp.path(), meta, ImageSet::memory));
    message = expect_invalid([&] { verify_images(tmp.path(), meta, ImageSet::all_but_memory); });
    EXPECT_NE(message.find("core-1.img"), std::string::npos) << message;
}

// ---- checksum_dir ---------------------------------------------------------------------------

TEST(MetadataChecksum, MatchesTheDocumentedFormat) {
    TempDir tmp;
    const std::string content = random_bytes(123457, 3);
    write_file(tmp.path() / "a.img", content);
    write_file(tmp.path() / "empty.img", "");
    const auto sums = checksum_dir(tmp.path(), {});
    ASSERT_EQ(sums.size(), 2u);
    EXPECT_EQ(sums.at("a.img").size, content.size());
    EXPECT_EQ(sums.at("a.img").xxh3, expected_sum(content));
    EXPECT_EQ(sums.at("empty.img").size, 0u);
    EXPECT_EQ(sums.at("empty.img").xxh3, expected_sum(""));
    for (const auto& [name, sum] : sums) {
        ASSERT_EQ(sum.xxh3.size(), 16u) << name;
        EXPECT_EQ(sum.xxh3.find_first_not_of("0123456789abcdef"), std::string::npos) << sum.xxh3;
    }
}

TEST(MetadataChecksum, SkipsNamedFilesAndNonRegularEntries) {
    TempDir tmp;
    write_file(tmp.path() / "core-1.img", "core");
    write_file(tmp.path() / kMetadataFile, "{}");
    write_file(tmp.path() / "skip-me", "x");
    fs::create_directories(tmp.path() / "subdir");
    write_file(tmp.path() / "subdir" / "nested.img", "nested");
    const auto sums = checksum_dir(tmp.path(), {kMetadataFile, "skip-me", "not-there"});
    ASSERT_EQ(sums.size(), 1u);
    EXPECT_TRUE(sums.contains("core-1.img"));
}

TEST(MetadataChecksum, EmptyDirectoryHasNoSums) {
    TempDir tmp;
    EXPECT_TRUE(checksum_dir(tmp.path(), {}).empty());
}

TEST(MetadataChecksum, SameContentSameSumAndOneFlippedByteChangesIt) {
    TempDir tmp;
    const std::string content = random_bytes(3u << 20, 9);
    std::string last_flipped = content;
    last_flipped.back() = static_cast<char>(last_flipped.back() ^ 0x80);
    std::string first_flipped = content;
    first_flipped.front() = static_cast<char>(first_flipped.front() ^ 0x01);
    write_file(tmp.path() / "a.img", content);
    write_file(tmp.path() / "b.img", content);
    write_file(tmp.path() / "c.img", last_flipped);
    write_file(tmp.path() / "d.img", first_flipped);
    write_file(tmp.path() / "e.img", content.substr(0, content.size() - 1));
    const auto sums = checksum_dir(tmp.path(), {});
    ASSERT_EQ(sums.size(), 5u);
    EXPECT_EQ(sums.at("a.img").xxh3, sums.at("b.img").xxh3);
    EXPECT_NE(sums.at("a.img").xxh3, sums.at("c.img").xxh3);
    EXPECT_NE(sums.at("a.img").xxh3, sums.at("d.img").xxh3);
    EXPECT_NE(sums.at("a.img").xxh3, sums.at("e.img").xxh3);
    EXPECT_EQ(sums.at("c.img").size, content.size());
    EXPECT_EQ(sums.at("e.img").size, content.size() - 1);
    // And it is stable from one run to the next.
    EXPECT_EQ(checksum_dir(tmp.path(), {}).at("c.img").xxh3, sums.at("c.img").xxh3);
}

TEST(MetadataChecksum, MissingDirectoryThrows) {
    TempDir tmp;
    EXPECT_ANY_THROW(checksum_dir(tmp.path() / "nope", {}));
}

}  // namespace
}  // namespace cedana::images
