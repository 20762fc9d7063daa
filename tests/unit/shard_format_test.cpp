#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "images/compression.hpp"
#include "images/shards/shard_format.hpp"
#include "test_errors.hpp"
#include "util/error.hpp"

namespace cedana::images::shards {
namespace {

using cedana::testing::error_message;

constexpr std::string_view kShard = "img-5.zst";


std::span<const char> fixed_of(const std::string& header) { return {header.data(), kHeaderSize}; }
std::string_view name_of_header(const std::string& header) { return std::string_view(header).substr(kHeaderSize); }

void put_u16(std::string& bytes, std::size_t at, std::uint16_t v) {
    bytes[at] = static_cast<char>(v & 0xff);
    bytes[at + 1] = static_cast<char>(v >> 8);
}
void put_u32(std::string& bytes, std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// encode_header refuses bad names, so a header carrying one (as a hostile or damaged shard
// could) has to be assembled by hand, with a check that matches so only the name is at fault.
std::string forged_header(std::string_view name, std::uint64_t offset, std::uint64_t length) {
    const std::string placeholder(name.size(), 'a');
    std::string header = encode_header({.end = false, .name = placeholder, .offset = offset, .length = length});
    header.replace(kHeaderSize, name.size(), name);
    const std::string checked = header.substr(0, kHeaderSize - 4) + std::string(name);
    put_u32(header, 24, static_cast<std::uint32_t>(XXH3_64bits(checked.data(), checked.size())));
    return header;
}

DumpId some_id() {
    DumpId id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<unsigned char>(0xa0 + i * 7);
    return id;
}

// ---- preamble ----

TEST(ShardFormatPreamble, RoundTrips) {
    for (const auto& [index, count] : std::vector<std::pair<std::uint32_t, std::uint32_t>>{{0, 2}, {1, 2}, {7, 8}, {0, static_cast<std::uint32_t>(kMaxStreams)}, {63, 64}}) {
        const Preamble p{.index = index, .count = count, .id = some_id()};
        const auto bytes = encode_preamble(p);
        static_assert(sizeof(bytes) == kPreambleSize);
        EXPECT_EQ(decode_preamble(bytes, kShard), p) << index << " of " << count;
    }
}

TEST(ShardFormatPreamble, IsLittleEndianAfterTheMagic) {
    const auto bytes = encode_preamble({.index = 0x01020304, .count = 0x0a0b0c0d, .id = some_id()});
    EXPECT_EQ(std::string(bytes.data(), 8), "CDNSHRD1");
    EXPECT_EQ(static_cast<unsigned char>(bytes[8]), 0x04);
    EXPECT_EQ(static_cast<unsigned char>(bytes[11]), 0x01);
    EXPECT_EQ(static_cast<unsigned char>(bytes[12]), 0x0d);
    EXPECT_EQ(std::memcmp(bytes.data() + 16, some_id().data(), 16), 0);
}

TEST(ShardFormatPreamble, RefusesTruncatedBytes) {
    const auto bytes = encode_preamble({.index = 1, .count = 3, .id = some_id()});
    for (std::size_t size : {std::size_t{0}, std::size_t{7}, std::size_t{8}, kPreambleSize - 1}) {
        const std::string msg = error_message([&] { (void)decode_preamble(std::span<const char>(bytes.data(), size), kShard); });
        EXPECT_NE(msg.find(kShard), std::string::npos) << msg;
    }
}

TEST(ShardFormatPreamble, RefusesWrongMagic) {
    for (std::size_t at = 0; at < 8; ++at) {
        auto bytes = encode_preamble({.index = 1, .count = 3, .id = some_id()});
        bytes[at] ^= 0x20;
        const std::string msg = error_message([&] { (void)decode_preamble(bytes, kShard); });
        EXPECT_NE(msg.find("not a cedana image stream"), std::string::npos) << msg;
    }
}

TEST(ShardFormatPreamble, RefusesImpossibleCounts) {
    struct Case {
        std::uint32_t index, count;
    };
    for (const Case c : {Case{0, 0}, Case{0, 1}, Case{0, static_cast<std::uint32_t>(kMaxStreams) + 1}, Case{0, 0xffffffffu}, Case{2, 2},
                         Case{3, 2}, Case{64, 64}, Case{0xffffffffu, 8}}) {
        const auto bytes = encode_preamble({.index = c.index, .count = c.count, .id = some_id()});
        const std::string msg = error_message([&] { (void)decode_preamble(bytes, kShard); });
        EXPECT_NE(msg.find("corrupted"), std::string::npos) << c.index << " of " << c.count << ": " << msg;
        EXPECT_NE(msg.find(kShard), std::string::npos) << msg;
    }
}

// ---- record headers and the trailer ----

TEST(ShardFormatHeader, RecordRoundTrips) {
    const std::string long_name(kMaxNameSize, 'n');
    for (const std::string& name : {std::string("pages-1.img"), std::string("x"), std::string(".hidden"), std::string("a..b"), long_name}) {
        for (const auto& [offset, length] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
                 {0, 0}, {4096, 1u << 22}, {0x0102030405060708ull, 0x1112131415161718ull}, {std::numeric_limits<std::uint64_t>::max(), 0}}) {
            const std::string header = encode_header({.end = false, .name = name, .offset = offset, .length = length});
            ASSERT_EQ(header.size(), kHeaderSize + name.size());
            EXPECT_EQ(decode_name_size(fixed_of(header), kShard), name.size());
            const Header h = decode_header(fixed_of(header), name_of_header(header), kShard);
            EXPECT_FALSE(h.end);
            EXPECT_EQ(h.name, name);
            EXPECT_EQ(h.offset, offset);
            EXPECT_EQ(h.length, length);
        }
    }
}

TEST(ShardFormatHeader, TrailerRoundTrips) {
    const std::string trailer = encode_header({.end = true, .name = "", .offset = 12345, .length = 0xfedcba9876543210ull});
    ASSERT_EQ(trailer.size(), kHeaderSize);
    EXPECT_EQ(std::string_view(trailer).substr(0, 4), "END.");
    EXPECT_EQ(decode_name_size(fixed_of(trailer), kShard), 0u);
    const Header h = decode_header(fixed_of(trailer), "", kShard);
    EXPECT_TRUE(h.end);
    EXPECT_TRUE(h.name.empty());
    EXPECT_EQ(h.offset, 12345u);
    EXPECT_EQ(h.length, 0xfedcba9876543210ull);
}

TEST(ShardFormatHeader, RecordTagIsFile) {
    const std::string header = encode_header({.end = false, .name = "core-1.img", .offset = 0, .length = 1});
    EXPECT_EQ(std::string_view(header).substr(0, 4), "FILE");
    EXPECT_EQ(name_of_header(header), "core-1.img");
}

TEST(ShardFormatHeader, EncodeRefusesNamesThatAreNoPlainFileName) {
    for (const std::string& name : {std::string(""), std::string("."), std::string(".."), std::string("a/b"), std::string("/etc"),
                                    std::string("../x"), std::string("x/"), std::string("a\0b", 3), std::string(kMaxNameSize + 1, 'n')}) {
        EXPECT_THROW((void)encode_header({.end = false, .name = name, .offset = 0, .length = 1}), std::invalid_argument) << name;
    }
}

TEST(ShardFormatHeader, EncodeRefusesATrailerWithAName) {
    EXPECT_THROW((void)encode_header({.end = true, .name = "x", .offset = 0, .length = 0}), std::invalid_argument);
}

TEST(ShardFormatHeader, DecodeRefusesTruncatedFixedPart) {
    const std::string header = encode_header({.end = false, .name = "pages-1.img", .offset = 0, .length = 1});
    for (const std::size_t size : {std::size_t{0}, std::size_t{4}, kHeaderSize - 1}) {
        const std::string msg = error_message([&] { (void)decode_name_size(std::span<const char>(header.data(), size), kShard); });
        EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
        EXPECT_NE(msg.find(kShard), std::string::npos) << msg;
    }
}

TEST(ShardFormatHeader, DecodeRefusesUnknownTag) {
    for (const std::string_view tag : {std::string_view("FILF"), std::string_view("END,"), std::string_view("\0\0\0\0", 4), std::string_view("ELIF"), std::string_view(".DNE")}) {
        std::string header = encode_header({.end = false, .name = "pages-1.img", .offset = 0, .length = 1});
        header.replace(0, 4, tag.data(), 4);
        const std::string msg = error_message([&] { (void)decode_name_size(fixed_of(header), kShard); });
        EXPECT_NE(msg.find("corrupted"), std::string::npos) << msg;
    }
}

TEST(ShardFormatHeader, DecodeRefusesNonzeroReservedField) {
    for (const std::uint16_t reserved : {std::uint16_t{1}, std::uint16_t{0x100}, std::uint16_t{0xffff}}) {
        std::string record = encode_header({.end = false, .name = "pages-1.img", .offset = 0, .length = 1});
        put_u16(record, 6, reserved);
        EXPECT_FALSE(error_message([&] { (void)decode_name_size(fixed_of(record), kShard); }).empty());
        std::string trailer = encode_header({.end = true, .name = "", .offset = 0, .length = 0});
        put_u16(trailer, 6, reserved);
        EXPECT_FALSE(error_message([&] { (void)decode_name_size(fixed_of(trailer), kShard); }).empty());
    }
}

TEST(ShardFormatHeader, DecodeRefusesImpossibleNameLengths) {
    // A record must name a file, and no name is longer than the format allows.
    for (const std::uint16_t size : {std::uint16_t{0}, static_cast<std::uint16_t>(kMaxNameSize + 1), std::uint16_t{0xffff}}) {
        std::string header = encode_header({.end = false, .name = "x", .offset = 0, .length = 1});
        put_u16(header, 4, size);
        EXPECT_FALSE(error_message([&] { (void)decode_name_size(fixed_of(header), kShard); }).empty()) << size;
    }
    std::string longest = encode_header({.end = false, .name = "x", .offset = 0, .length = 1});
    put_u16(longest, 4, static_cast<std::uint16_t>(kMaxNameSize));
    EXPECT_EQ(decode_name_size(fixed_of(longest), kShard), kMaxNameSize);
    // A trailer has no name.
    std::string trailer = encode_header({.end = true, .name = "", .offset = 0, .length = 0});
    put_u16(trailer, 4, 1);
    EXPECT_FALSE(error_message([&] { (void)decode_name_size(fixed_of(trailer), kShard); }).empty());
}

// Every single-bit error in a header or its name must be refused, whichever field it hits:
// a wrong header would steer a write to the wrong file or offset. A flip in the name length
// changes how many name bytes a reader takes, so the bytes that follow in the stream are
// given as the name, as unpacking would.
TEST(ShardFormatHeader, EveryFlippedBitIsRefused) {
    const std::vector<std::string> headers = {
        encode_header({.end = false, .name = "pages-12.img", .offset = 0x123456789, .length = 4u << 20}),
        encode_header({.end = false, .name = "x", .offset = 0, .length = 0}),
        encode_header({.end = true, .name = "", .offset = 3, .length = 1000}),
    };
    const std::string following(512, 'd');  // the record's data in a stream
    for (const std::string& header : headers) {
        for (std::size_t bit = 0; bit < header.size() * 8; ++bit) {
            std::string stream = header + following;
            stream[bit / 8] = static_cast<char>(stream[bit / 8] ^ (1 << (bit % 8)));
            const std::span<const char> fixed(stream.data(), kHeaderSize);
            const std::string msg = error_message([&] {
                const std::size_t name_size = decode_name_size(fixed, kShard);
                (void)decode_header(fixed, std::string_view(stream).substr(kHeaderSize, name_size), kShard);
            });
            EXPECT_NE(msg.find("corrupted"), std::string::npos) << "bit " << bit << " of a " << header.size() << "-byte header: " << msg;
        }
    }
}

TEST(ShardFormatHeader, DecodeRefusesNamesThatCouldLeaveTheDirectory) {
    for (const std::string_view name : {std::string_view("."), std::string_view(".."), std::string_view("a/b"), std::string_view("/etc"),
                                        std::string_view("../../x"), std::string_view("x/"), std::string_view("a\0b", 3)}) {
        const std::string header = forged_header(name, 0, 1);
        // The check itself is valid: it is the name that must be refused.
        ASSERT_EQ(decode_name_size(fixed_of(header), kShard), name.size());
        const std::string msg = error_message([&] { (void)decode_header(fixed_of(header), name_of_header(header), kShard); });
        EXPECT_NE(msg.find("not a plain file name"), std::string::npos) << name << ": " << msg;
        EXPECT_NE(msg.find(kShard), std::string::npos) << msg;
    }
}

TEST(ShardFormatHeader, ForgedHeaderWithAPlainNameIsAccepted) {
    // Guards the test above: a hand-made header is refused for its name, not for being forged.
    const std::string header = forged_header("ok.img", 7, 9);
    const Header h = decode_header(fixed_of(header), name_of_header(header), kShard);
    EXPECT_EQ(h.name, "ok.img");
    EXPECT_EQ(h.offset, 7u);
    EXPECT_EQ(h.length, 9u);
}

TEST(ShardFormatHeader, DecodeRefusesARecordPast2To64) {
    constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
    for (const auto& [offset, length] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{{kMax, 1}, {1, kMax}, {kMax / 2 + 1, kMax / 2 + 1}, {kMax, kMax}}) {
        const std::string header = encode_header({.end = false, .name = "pages-1.img", .offset = offset, .length = length});
        const std::string msg = error_message([&] { (void)decode_header(fixed_of(header), name_of_header(header), kShard); });
        EXPECT_NE(msg.find("corrupted"), std::string::npos) << offset << "+" << length << ": " << msg;
    }
    // Reaching exactly 2^64 - 1 is still representable.
    const std::string edge = encode_header({.end = false, .name = "pages-1.img", .offset = kMax - 10, .length = 10});
    EXPECT_EQ(decode_header(fixed_of(edge), name_of_header(edge), kShard).length, 10u);
}

TEST(ShardFormatHeader, TrailerCountsAreNotOffsets) {
    // A trailer's offset and length are counts, which may be anything.
    constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
    const std::string trailer = encode_header({.end = true, .name = "", .offset = kMax, .length = kMax});
    const Header h = decode_header(fixed_of(trailer), "", kShard);
    EXPECT_TRUE(h.end);
    EXPECT_EQ(h.offset, kMax);
}

// ---- shard names ----

TEST(ShardFormatName, EveryCompression) {
    EXPECT_EQ(shard_name(0, Compression::none), "img-0");
    EXPECT_EQ(shard_name(3, Compression::tar), "img-3");
    EXPECT_EQ(shard_name(1, Compression::gzip), "img-1.gz");
    EXPECT_EQ(shard_name(12, Compression::lz4), "img-12.lz4");
    EXPECT_EQ(shard_name(2, Compression::zlib), "img-2.zlib");
    EXPECT_EQ(shard_name(63, Compression::zstd), "img-63.zst");
    EXPECT_EQ(shard_extension(Compression::none), "");
    EXPECT_EQ(shard_extension(Compression::tar), "");
}

TEST(ShardFormatName, IndexOfEveryShardNameIsItsIndex) {
    for (const Compression c : {Compression::none, Compression::tar, Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd}) {
        for (const int i : {0, 1, 9, 10, 63, 100}) EXPECT_EQ(shard_index(shard_name(i, c)), i) << shard_name(i, c);
    }
}

TEST(ShardFormatName, IndexAcceptsShardNames) {
    EXPECT_EQ(shard_index("img-0"), 0);
    EXPECT_EQ(shard_index("img-12.lz4"), 12);
    EXPECT_EQ(shard_index("img-3.zst"), 3);
    EXPECT_EQ(shard_index("img-1.gz"), 1);
    EXPECT_EQ(shard_index("img-2.zlib"), 2);
}

TEST(ShardFormatName, IndexRefusesOtherNames) {
    for (const std::string_view name : {"img-", "img-01", "img-00", "img-1.tar", "img-x", "img--1", "pages-1.img", "img-1.lz4.bak", "img-+1",
                                        "img-1.", "img-1lz4", "img-1.ZST", "Img-1", "img-0x1", "img-1 ", "img-99999999999", "xmg-1", "img"}) {
        EXPECT_EQ(shard_index(name), std::nullopt) << name;
    }
}

}  // namespace
}  // namespace cedana::images::shards
