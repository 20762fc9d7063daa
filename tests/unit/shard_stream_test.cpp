#include <gtest/gtest.h>
#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "images/compression.hpp"
#include "images/frame_format.hpp"
#include "images/shards/shard_format.hpp"
#include "images/shards/shard_set.hpp"
#include "images/shards/shard_source.hpp"
#include "images/shards/shard_unpack.hpp"
#include "temp_dir.hpp"
#include "test_bytes.hpp"
#include "test_errors.hpp"
#include "test_files.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images::shards {
namespace {

namespace fs = std::filesystem;
using cedana::testing::error_message;
using cedana::testing::random_bytes;
using cedana::testing::read_file;
using cedana::testing::TempDir;

constexpr Compression kAll[] = {Compression::none, Compression::tar, Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd};
constexpr Compression kCompressed[] = {Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd};

std::string label(Compression c) {
    switch (c) {
        case Compression::none: return "none";
        case Compression::tar: return "tar";
        case Compression::gzip: return "gzip";
        case Compression::lz4: return "lz4";
        case Compression::zlib: return "zlib";
        case Compression::zstd: return "zstd";
    }
    return "unknown";
}

FrameCodec codec_of(Compression c) {
    switch (c) {
        case Compression::none:
        case Compression::tar: return FrameCodec::none;
        case Compression::gzip: return FrameCodec::gzip;
        case Compression::lz4: return FrameCodec::lz4;
        case Compression::zlib: return FrameCodec::zlib;
        case Compression::zstd: return FrameCodec::zstd;
    }
    return FrameCodec::none;
}

std::string frame_of(FrameCodec codec, std::string_view input) {
    std::string frame;
    const std::size_t size = compress_frame(codec, input, frame);
    frame.resize(size);
    return frame;
}

void write_file(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
}

void append_file(const fs::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << path;
}

void touch(const fs::path& path) { write_file(path, ""); }

// Half noise, half text: the noise makes the codecs store blocks, the text makes them
// really compress, and both paths of every decoder get exercised.
std::string mixed_bytes(std::size_t size, std::uint64_t seed) {
    std::string out = random_bytes(size / 2, seed);
    std::uint64_t line = 0;
    while (out.size() < size) out += "page " + std::to_string(line++) + " of the memory image, mostly alike\n";
    out.resize(size);
    return out;
}

std::span<const char> slice(const std::string& s, std::uint64_t offset, std::uint64_t size) {
    return {s.data() + offset, static_cast<std::size_t>(size)};
}

// The files of `dir` and their bytes.
std::map<std::string, std::string> files_of(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::directory_iterator(dir)) out[entry.path().filename().string()] = read_file(entry.path());
    return out;
}


bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

// Unpacks `dir`'s shards into a fresh directory below `work`; the message of the error it
// must end with.
std::string unpack_error(const fs::path& dir, const fs::path& work) {
    return error_message([&] {
        const auto layout = find_shards(dir);
        if (!layout) throw std::runtime_error("no shards found in " + dir.string());
        const fs::path dest = work / "dest";
        fs::remove_all(dest);
        fs::create_directory(dest);
        unpack_shards(*layout, dest);
    });
}

void copy_dir(const fs::path& from, const fs::path& to) {
    fs::remove_all(to);
    fs::copy(from, to, fs::copy_options::recursive);
}

// How many bytes the first frame of a compressed shard takes, so a cut can land between
// two frames, where no decoder notices anything wrong.
std::size_t first_frame_size(Compression c, const std::string& bytes) {
    switch (c) {
        case Compression::zstd: {
            const std::size_t size = ZSTD_findFrameCompressedSize(bytes.data(), bytes.size());
            EXPECT_FALSE(ZSTD_isError(size));
            return size;
        }
        case Compression::lz4: {
            LZ4F_dctx* ctx = nullptr;
            EXPECT_FALSE(LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)));
            std::string out(1u << 20, '\0');
            std::size_t pos = 0;
            for (;;) {
                std::size_t out_size = out.size();
                std::size_t in_size = bytes.size() - pos;
                const std::size_t rc = LZ4F_decompress(ctx, out.data(), &out_size, bytes.data() + pos, &in_size, nullptr);
                pos += in_size;
                if (rc == 0 || LZ4F_isError(rc) || (in_size == 0 && out_size == 0)) {
                    EXPECT_EQ(rc, 0u);
                    break;
                }
            }
            LZ4F_freeDecompressionContext(ctx);
            return pos;
        }
        case Compression::gzip:
        case Compression::zlib: {
            z_stream zs{};
            EXPECT_EQ(inflateInit2(&zs, c == Compression::gzip ? 15 + 16 : 15), Z_OK);
            std::string out(1u << 20, '\0');
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
            zs.avail_in = static_cast<uInt>(bytes.size());
            int rc = Z_OK;
            while (rc == Z_OK) {
                zs.next_out = reinterpret_cast<Bytef*>(out.data());
                zs.avail_out = static_cast<uInt>(out.size());
                rc = inflate(&zs, Z_NO_FLUSH);
            }
            EXPECT_EQ(rc, Z_STREAM_END);
            const std::size_t size = zs.total_in;
            inflateEnd(&zs);
            return size;
        }
        case Compression::none:
        case Compression::tar: break;
    }
    return bytes.size();
}

// Feeds `data` into a pipe from a thread of its own, in pieces of the given sizes, and
// closes it. The reader may stop early: SIGPIPE is blocked in the writer so it then just
// gets EPIPE and ends.
class PipeFeeder {
public:
    PipeFeeder(std::string data, std::vector<std::size_t> pieces) : data_(std::move(data)), pieces_(std::move(pieces)) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        read_.reset(fds[0]);
        util::UniqueFd write_end(fds[1]);
        writer_ = std::thread([this, w = std::move(write_end)] {
            sigset_t pipe_signal;
            sigemptyset(&pipe_signal);
            sigaddset(&pipe_signal, SIGPIPE);
            pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
            std::size_t at = 0;
            for (std::size_t i = 0; at < data_.size(); ++i) {
                const std::size_t want = std::min(pieces_[i % pieces_.size()], data_.size() - at);
                const ssize_t n = ::write(w.get(), data_.data() + at, want);
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) return;
                at += static_cast<std::size_t>(n);
            }
        });
    }
    ~PipeFeeder() {
        read_.reset();
        writer_.join();
    }
    PipeFeeder(const PipeFeeder&) = delete;
    PipeFeeder& operator=(const PipeFeeder&) = delete;

    [[nodiscard]] int fd() const { return read_.get(); }

private:
    std::string data_;
    std::vector<std::size_t> pieces_;
    util::UniqueFd read_;
    std::thread writer_;
};

// ---- round trips ----

class ShardStreamRoundTrip : public ::testing::TestWithParam<std::tuple<Compression, int>> {};

TEST_P(ShardStreamRoundTrip, FilesComeBackByteIdentical) {
    const auto [c, count] = GetParam();
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    const fs::path dest = tmp.path() / "dest";
    fs::create_directory(dir);
    fs::create_directory(dest);

    std::map<std::string, std::string> expected;
    expected["cedana.json"] = R"({"streams": true})";
    expected["empty.img"] = "";
    expected["core-1.img"] = random_bytes(10000, 1);
    expected["pages-1.img"] = mixed_bytes((5u << 20) + 321, 2);
    expected["pages-2.img"] = random_bytes(200000, 3);

    {
        ShardSet set(dir, count, c);
        ASSERT_EQ(set.count(), count);
        const auto names = set.names();
        ASSERT_EQ(names.size(), static_cast<std::size_t>(count));
        for (int i = 0; i < count; ++i) EXPECT_EQ(names[static_cast<std::size_t>(i)], shard_name(i, c));

        set.put(0, "cedana.json", 0, slice(expected["cedana.json"], 0, expected["cedana.json"].size()));
        set.put(0, "empty.img", 0, {});
        set.put(0, "core-1.img", 0, slice(expected["core-1.img"], 0, 6000));
        set.put(0, "core-1.img", 6000, slice(expected["core-1.img"], 6000, 4000));

        // Pieces of odd sizes, over every memory shard, each shard given them back to front so
        // neither the order of records nor that of offsets can be relied on.
        const std::string& big = expected["pages-1.img"];
        const std::uint64_t sizes[] = {1, 4095, 65536, (1u << 20) + 7, 333, 2u << 20};
        std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> per_shard(static_cast<std::size_t>(count));
        std::uint64_t at = 0;
        for (std::size_t i = 0; at < big.size(); ++i) {
            const std::uint64_t size = std::min<std::uint64_t>(sizes[i % std::size(sizes)], big.size() - at);
            per_shard[1 + i % static_cast<std::size_t>(count - 1)].emplace_back(at, size);
            at += size;
        }
        for (int s = 1; s < count; ++s) {
            auto& pieces = per_shard[static_cast<std::size_t>(s)];
            std::reverse(pieces.begin(), pieces.end());
            for (const auto& [offset, size] : pieces) set.put(s, "pages-1.img", offset, slice(big, offset, size));
        }
        const std::string& second = expected["pages-2.img"];
        for (std::uint64_t i = 0; i < 3; ++i) {
            const std::uint64_t from = i * second.size() / 3;
            const std::uint64_t to = (i + 1) * second.size() / 3;
            set.put(static_cast<int>(1 + (i + 1) % static_cast<std::uint64_t>(count - 1)), "pages-2.img", from, slice(second, from, to - from));
        }
        set.finish();

        std::uint64_t on_disk = 0;
        for (const auto& name : names) on_disk += fs::file_size(dir / name);
        EXPECT_EQ(set.size(), on_disk);
    }

    const auto layout = find_shards(dir);
    ASSERT_TRUE(layout.has_value());
    EXPECT_EQ(layout->compression, c == Compression::tar ? Compression::none : c);
    ASSERT_EQ(layout->shards.size(), static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) EXPECT_EQ(layout->shards[static_cast<std::size_t>(i)].filename().string(), shard_name(i, c));

    unpack_shards(*layout, dest);
    const auto got = files_of(dest);
    ASSERT_EQ(got.size(), expected.size());
    for (const auto& [name, bytes] : expected) {
        ASSERT_TRUE(got.contains(name)) << name;
        EXPECT_EQ(got.at(name).size(), bytes.size()) << name;
        EXPECT_TRUE(got.at(name) == bytes) << name << " differs";
    }
}

INSTANTIATE_TEST_SUITE_P(ShardStreamAllCodecsAndCounts, ShardStreamRoundTrip, ::testing::Combine(::testing::ValuesIn(kAll), ::testing::Values(2, 3, 8)),
                         [](const ::testing::TestParamInfo<std::tuple<Compression, int>>& info) {
                             return label(std::get<0>(info.param)) + "_" + std::to_string(std::get<1>(info.param));
                         });

TEST(ShardStreamSet, CompressedShardsAreSmallerForCompressibleData) {
    // Guards the round trips against codecs that silently store everything.
    for (const Compression c : kCompressed) {
        TempDir tmp;
        const std::string text(3u << 20, 'a');
        ShardSet set(tmp.path(), 2, c);
        set.put(1, "pages-1.img", 0, slice(text, 0, text.size()));
        set.finish();
        EXPECT_LT(set.size(), text.size() / 10) << label(c);
    }
}

TEST(ShardStreamSet, RefusesToOverwriteExistingShards) {
    TempDir tmp;
    touch(tmp.path() / "img-1.lz4");
    const std::string msg = error_message([&] { ShardSet set(tmp.path(), 3, Compression::lz4); }, ErrorKind::failed_precondition);
    EXPECT_TRUE(contains(msg, "img-1.lz4")) << msg;
    EXPECT_EQ(fs::file_size(tmp.path() / "img-1.lz4"), 0u);
}

// ---- read_into and put_file ----

class ShardStreamReadInto : public ::testing::TestWithParam<Compression> {};

TEST_P(ShardStreamReadInto, PipeBytesArriveAndSeenSeesExactlyThem) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    const fs::path dest = tmp.path() / "dest";
    fs::create_directory(dir);
    fs::create_directory(dest);

    const std::string data = mixed_bytes((3u << 20) + 17, 11);
    // Fills shard 1's first 4 MiB frame but for 20000 bytes, so the first reads find less
    // room than a direct read wants and go through the scratch buffer; later ones land in
    // fresh frames directly.
    const std::string pad = random_bytes((4u << 20) - kPreambleSize - (kHeaderSize + 7) - 20000, 12);
    const std::string other = random_bytes(100000, 13);

    std::string seen;
    std::string seen_other;
    {
        ShardSet set(dir, 3, c);
        set.put(1, "pad.img", 0, slice(pad, 0, pad.size()));
        {
            PipeFeeder feeder(data, {1, 4096, 65536, 100000, 7});
            std::uint64_t offset = 0;
            const std::size_t maxima[] = {1u << 20, 1000, 3, 70000};
            for (std::size_t i = 0;; ++i) {
                const std::size_t max = maxima[i % std::size(maxima)];
                std::size_t seen_now = 0;
                const ssize_t n = set.read_into(1, "pages-1.img", offset, feeder.fd(), max, [&](std::span<const char> bytes) {
                    seen.append(bytes.data(), bytes.size());
                    seen_now += bytes.size();
                });
                ASSERT_GE(n, 0) << std::strerror(errno);
                if (n == 0) {
                    EXPECT_EQ(seen_now, 0u);
                    break;
                }
                EXPECT_LE(static_cast<std::size_t>(n), max);
                EXPECT_EQ(seen_now, static_cast<std::size_t>(n));
                offset += static_cast<std::uint64_t>(n);
            }
            EXPECT_EQ(offset, data.size());
        }
        {
            // Without a callback, and on another shard.
            PipeFeeder feeder(other, {65536});
            std::uint64_t offset = 0;
            for (;;) {
                const ssize_t n = set.read_into(2, "pages-2.img", offset, feeder.fd(), 1u << 20);
                ASSERT_GE(n, 0) << std::strerror(errno);
                if (n == 0) break;
                offset += static_cast<std::uint64_t>(n);
            }
            EXPECT_EQ(offset, other.size());
        }
        {
            // A pipe that ends at once gives no record, hence no file.
            PipeFeeder feeder("", {1});
            EXPECT_EQ(set.read_into(2, "never.img", 0, feeder.fd(), 4096, [&](std::span<const char> bytes) { seen_other.append(bytes.data(), bytes.size()); }), 0);
        }
        set.finish();
    }
    EXPECT_TRUE(seen == data) << "seen " << seen.size() << " bytes of " << data.size();
    EXPECT_TRUE(seen_other.empty());

    const auto layout = find_shards(dir);
    ASSERT_TRUE(layout.has_value());
    unpack_shards(*layout, dest);
    const auto got = files_of(dest);
    EXPECT_EQ(got.size(), 3u);
    EXPECT_TRUE(got.contains("pad.img") && got.at("pad.img") == pad);
    EXPECT_TRUE(got.contains("pages-1.img") && got.at("pages-1.img") == data);
    EXPECT_TRUE(got.contains("pages-2.img") && got.at("pages-2.img") == other);
    EXPECT_FALSE(got.contains("never.img"));
}

TEST_P(ShardStreamReadInto, PutFileStoresRegularFilesWhole) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    const fs::path dir = tmp.path() / "ckpt";
    const fs::path dest = tmp.path() / "dest";
    for (const auto& d : {src, dir, dest}) fs::create_directory(d);

    std::map<std::string, std::string> expected;
    expected["inventory.img"] = mixed_bytes((5u << 20) / 2 + 5, 21);
    expected["empty.img"] = "";
    expected["cedana.json"] = "{}";
    for (const auto& [name, bytes] : expected) write_file(src / name, bytes);

    {
        ShardSet set(dir, 2, c);
        set.put_file(0, src / "inventory.img");
        set.put_file(0, src / "empty.img");
        set.put_file(1, src / "cedana.json");
        set.finish();
    }
    const auto layout = find_shards(dir);
    ASSERT_TRUE(layout.has_value());
    unpack_shards(*layout, dest);
    const auto got = files_of(dest);
    EXPECT_EQ(got.size(), expected.size());
    for (const auto& [name, bytes] : expected) EXPECT_TRUE(got.contains(name) && got.at(name) == bytes) << name;
}

TEST(ShardStreamSet, PutFileOfAMissingFileFails) {
    TempDir tmp;
    ShardSet set(tmp.path(), 2, Compression::none);
    const std::string msg = error_message([&] { set.put_file(0, tmp.path() / "absent.img"); }, ErrorKind::failed_precondition);
    EXPECT_TRUE(contains(msg, "absent.img")) << msg;
}

INSTANTIATE_TEST_SUITE_P(ShardStreamAllCodecs, ShardStreamReadInto, ::testing::ValuesIn(kAll),
                         [](const ::testing::TestParamInfo<Compression>& info) { return label(info.param); });

// ---- find_shards ----

TEST(ShardStreamFind, NoShardsIsNoStreamedCheckpoint) {
    TempDir tmp;
    EXPECT_FALSE(find_shards(tmp.path()).has_value());
    for (const char* name : {"pages-1.img", "img-01", "img-1.tar", "img-", "img-x", "cedana.json", "img-1.lz4.bak"}) touch(tmp.path() / name);
    EXPECT_FALSE(find_shards(tmp.path()).has_value());
}

TEST(ShardStreamFind, UnreadableDirectoryIsAnErrorNotAnAbsence) {
    // Taking a missing directory for "no shards" would send a restore down the wrong path.
    TempDir tmp;
    const std::string msg = error_message([&] { (void)find_shards(tmp.path() / "absent"); }, ErrorKind::failed_precondition);
    EXPECT_TRUE(contains(msg, "absent")) << msg;
}

TEST(ShardStreamFind, OneShardIsRefused) {
    for (const char* name : {"img-0", "img-0.lz4", "img-3.zst"}) {
        TempDir tmp;
        touch(tmp.path() / name);
        const std::string msg = error_message([&] { (void)find_shards(tmp.path()); });
        EXPECT_TRUE(contains(msg, name)) << msg;
    }
}

TEST(ShardStreamFind, AGapIsRefused) {
    TempDir tmp;
    touch(tmp.path() / "img-0");
    touch(tmp.path() / "img-2");
    const std::string msg = error_message([&] { (void)find_shards(tmp.path()); });
    EXPECT_TRUE(contains(msg, "img-1 is missing")) << msg;
}

TEST(ShardStreamFind, AMissingFirstShardIsRefused) {
    TempDir tmp;
    touch(tmp.path() / "img-1.zst");
    touch(tmp.path() / "img-2.zst");
    const std::string msg = error_message([&] { (void)find_shards(tmp.path()); });
    EXPECT_TRUE(contains(msg, "img-0 is missing")) << msg;
}

TEST(ShardStreamFind, MixedCompressionsAreRefused) {
    for (const auto& [a, b] : std::vector<std::pair<std::string, std::string>>{{"img-0.lz4", "img-1.zst"}, {"img-0", "img-1.gz"}, {"img-0.zlib", "img-1.gz"}}) {
        TempDir tmp;
        touch(tmp.path() / a);
        touch(tmp.path() / b);
        const std::string msg = error_message([&] { (void)find_shards(tmp.path()); });
        EXPECT_TRUE(contains(msg, "different compressions")) << a << " " << b << ": " << msg;
    }
}

TEST(ShardStreamFind, ShardsAreInNumericOrderAndOtherFilesIgnored) {
    TempDir tmp;
    for (int i = 0; i < 12; ++i) touch(tmp.path() / shard_name(i, Compression::zstd));
    touch(tmp.path() / "cedana.json");
    touch(tmp.path() / "img-1.zst.part");
    const auto layout = find_shards(tmp.path());
    ASSERT_TRUE(layout.has_value());
    EXPECT_EQ(layout->compression, Compression::zstd);
    ASSERT_EQ(layout->shards.size(), 12u);
    for (int i = 0; i < 12; ++i) EXPECT_EQ(layout->shards[static_cast<std::size_t>(i)].string(), (tmp.path() / shard_name(i, Compression::zstd)).string());
}

TEST(ShardStreamFind, EveryCompressionIsRecognized) {
    for (const Compression c : kAll) {
        TempDir tmp;
        for (int i = 0; i < 2; ++i) touch(tmp.path() / shard_name(i, c));
        const auto layout = find_shards(tmp.path());
        ASSERT_TRUE(layout.has_value()) << label(c);
        // A tar's shards are named as plain ones: both are the bytes themselves.
        EXPECT_EQ(layout->compression, c == Compression::tar ? Compression::none : c) << label(c);
    }
}

// ---- damaged checkpoints ----

// A 2-shard checkpoint whose img-1 is, uncompressed: preamble (32), a record header for
// "pages-1.img" (28 + 11), 1000 bytes of data, trailer (28).
struct PlainLayout {
    static constexpr std::size_t kHeader = kPreambleSize;
    static constexpr std::size_t kName = kHeader + kHeaderSize;
    static constexpr std::size_t kData = kName + 11;
    static constexpr std::size_t kTrailer = kData + 1000;
    static constexpr std::size_t kSize = kTrailer + kHeaderSize;
};

void write_plain_checkpoint(const fs::path& dir) {
    ShardSet set(dir, 2, Compression::none);
    set.put(0, "cedana.json", 0, slice(std::string("{}"), 0, 2));
    const std::string data = random_bytes(1000, 31);
    set.put(1, "pages-1.img", 0, slice(data, 0, data.size()));
    set.finish();
}

TEST(ShardStreamDamage, PlainLayoutIsAsDocumented) {
    // The cut points below rely on it.
    TempDir tmp;
    write_plain_checkpoint(tmp.path());
    EXPECT_EQ(fs::file_size(tmp.path() / "img-1"), PlainLayout::kSize);
    const std::string bytes = read_file(tmp.path() / "img-1");
    EXPECT_EQ(bytes.substr(0, 8), "CDNSHRD1");
    EXPECT_EQ(bytes.substr(PlainLayout::kHeader, 4), "FILE");
    EXPECT_EQ(bytes.substr(PlainLayout::kName, 11), "pages-1.img");
    EXPECT_EQ(bytes.substr(PlainLayout::kTrailer, 4), "END.");
}

TEST(ShardStreamDamage, TruncatedPlainShardIsRefused) {
    TempDir tmp;
    const fs::path original = tmp.path() / "original";
    fs::create_directory(original);
    write_plain_checkpoint(original);
    const std::pair<const char*, std::size_t> cuts[] = {
        {"empty", 0},
        {"inside the preamble", 10},
        {"before the first header", PlainLayout::kHeader},
        {"inside a header", PlainLayout::kHeader + 5},
        {"inside a name", PlainLayout::kName + 3},
        {"before the data", PlainLayout::kData},
        {"inside the data", PlainLayout::kData + 500},
        {"just before the trailer", PlainLayout::kTrailer},
        {"inside the trailer", PlainLayout::kTrailer + 10},
        {"last byte", PlainLayout::kSize - 1},
    };
    for (const auto& [where, size] : cuts) {
        const fs::path dir = tmp.path() / "cut";
        copy_dir(original, dir);
        fs::resize_file(dir / "img-1", size);
        const std::string msg = unpack_error(dir, tmp.path());
        EXPECT_TRUE(contains(msg, "img-1")) << where << ": " << msg;
        EXPECT_TRUE(contains(msg, "truncated")) << where << ": " << msg;
    }
}

TEST(ShardStreamDamage, DamagedPlainHeaderIsRefused) {
    TempDir tmp;
    const fs::path original = tmp.path() / "original";
    fs::create_directory(original);
    write_plain_checkpoint(original);
    // Every byte of the record header, its name and the trailer: plain data has no check of
    // its own, but what steers the writes does.
    std::vector<std::size_t> positions;
    for (std::size_t at = PlainLayout::kHeader; at < PlainLayout::kData; ++at) positions.push_back(at);
    for (std::size_t at = PlainLayout::kTrailer; at < PlainLayout::kSize; ++at) positions.push_back(at);
    for (const std::size_t at : positions) {
        const fs::path dir = tmp.path() / "damaged";
        copy_dir(original, dir);
        std::string bytes = read_file(dir / "img-1");
        bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
        write_file(dir / "img-1", bytes);
        const std::string msg = unpack_error(dir, tmp.path());
        EXPECT_TRUE(contains(msg, "img-1")) << at << ": " << msg;
        // A longer name length makes the reader run out of bytes first.
        EXPECT_TRUE(contains(msg, "corrupted") || contains(msg, "truncated")) << at << ": " << msg;
    }
}

TEST(ShardStreamDamage, MissingRecordDisagreesWithTheTrailer) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    fs::create_directory(dir);
    {
        ShardSet set(dir, 2, Compression::none);
        set.put(1, "a.img", 0, slice(std::string(100, 'a'), 0, 100));
        set.put(1, "b.img", 0, slice(std::string(50, 'b'), 0, 50));
        set.finish();
    }
    // Cut the second record out; what remains is well formed up to the trailer's counts.
    std::string bytes = read_file(dir / "img-1");
    const std::size_t second = kPreambleSize + kHeaderSize + 5 + 100;
    ASSERT_EQ(bytes.substr(second, 4), "FILE");
    bytes.erase(second, kHeaderSize + 5 + 50);
    write_file(dir / "img-1", bytes);
    const std::string msg = unpack_error(dir, tmp.path());
    EXPECT_TRUE(contains(msg, "img-1 is corrupted")) << msg;
    EXPECT_TRUE(contains(msg, "trailer")) << msg;
}

class ShardStreamCompressedDamage : public ::testing::TestWithParam<Compression> {
protected:
    // A 2-shard checkpoint whose img-1 holds more than one frame.
    void SetUp() override {
        original_ = tmp_.path() / "original";
        fs::create_directory(original_);
        ShardSet set(original_, 2, GetParam());
        set.put(0, "cedana.json", 0, slice(std::string("{}"), 0, 2));
        data_ = mixed_bytes((6u << 20) + 99, 41);
        set.put(1, "pages-1.img", 0, slice(data_, 0, data_.size()));
        set.finish();
        shard_ = shard_name(1, GetParam());
        bytes_ = read_file(original_ / shard_);
        frame_ = first_frame_size(GetParam(), bytes_);
        ASSERT_GT(frame_, 0u);
        ASSERT_LT(frame_, bytes_.size()) << "img-1 should hold more than one frame";
    }

    // A copy of the checkpoint with img-1 replaced by `bytes`; the error unpacking it ends in.
    std::string unpack_with(const std::string& bytes) {
        const fs::path dir = tmp_.path() / "damaged";
        copy_dir(original_, dir);
        write_file(dir / shard_, bytes);
        return unpack_error(dir, tmp_.path());
    }

    TempDir tmp_;
    fs::path original_;
    std::string data_;
    std::string shard_;
    std::string bytes_;
    std::size_t frame_ = 0;
};

TEST_P(ShardStreamCompressedDamage, UndamagedCopyUnpacks) {
    // Guards the tests below: the copies differ from it in one way only.
    const fs::path dir = tmp_.path() / "copy";
    copy_dir(original_, dir);
    const fs::path dest = tmp_.path() / "dest";
    fs::create_directory(dest);
    unpack_shards(*find_shards(dir), dest);
    EXPECT_TRUE(read_file(dest / "pages-1.img") == data_);
}

TEST_P(ShardStreamCompressedDamage, TruncatedShardIsRefused) {
    const std::pair<const char*, std::size_t> cuts[] = {
        {"empty", 0},
        {"inside the first frame's header", 3},
        {"in the middle of the first frame", frame_ / 2},
        {"just before the first frame ends", frame_ - 1},
        {"between the frames", frame_},
        {"inside the second frame's header", frame_ + 3},
        {"in the middle of the second frame", frame_ + (bytes_.size() - frame_) / 2},
        {"last byte", bytes_.size() - 1},
    };
    for (const auto& [where, size] : cuts) {
        const std::string msg = unpack_with(bytes_.substr(0, size));
        EXPECT_TRUE(contains(msg, shard_)) << where << ": " << msg;
        EXPECT_TRUE(contains(msg, "truncated")) << where << ": " << msg;
    }
}

TEST_P(ShardStreamCompressedDamage, CorruptedByteIsRefused) {
    // Where the codec itself must notice: the frames' magic numbers and, for codecs with a
    // checksum (zstd as written, gzip, zlib), anywhere in the compressed data. lz4 frames
    // carry no content checksum (the checkpoint's own checksums cover the data), so for lz4
    // only the frame structure is damaged: the descriptor, guarded by its header checksum.
    std::vector<std::pair<std::string, std::size_t>> positions = {{"first frame's magic", 0}, {"second frame's magic", frame_}};
    if (GetParam() == Compression::lz4) {
        positions.emplace_back("first frame's descriptor", 4);
        positions.emplace_back("first frame's header checksum", 6);
        positions.emplace_back("second frame's descriptor", frame_ + 4);
    } else {
        positions.emplace_back("first frame's data", frame_ / 2);
        positions.emplace_back("second frame's data", frame_ + (bytes_.size() - frame_) / 2);
        positions.emplace_back("last byte", bytes_.size() - 1);
    }
    for (const auto& [where, at] : positions) {
        std::string bytes = bytes_;
        bytes[at] = static_cast<char>(bytes[at] ^ 0x01);
        const std::string msg = unpack_with(bytes);
        EXPECT_TRUE(contains(msg, shard_)) << where << ": " << msg;
        EXPECT_TRUE(contains(msg, "corrupted")) << where << ": " << msg;
    }
}

TEST_P(ShardStreamCompressedDamage, GarbageAfterTheLastFrameIsRefused) {
    const std::string msg = unpack_with(bytes_ + "this was never a frame of any codec");
    EXPECT_TRUE(contains(msg, shard_)) << msg;
    EXPECT_TRUE(contains(msg, "corrupted")) << msg;
}

INSTANTIATE_TEST_SUITE_P(ShardStreamCompressedCodecs, ShardStreamCompressedDamage, ::testing::ValuesIn(kCompressed),
                         [](const ::testing::TestParamInfo<Compression>& info) { return label(info.param); });

class ShardStreamSetDamage : public ::testing::TestWithParam<Compression> {};

// A checkpoint of `count` shards in `dir` (created), each shard holding a record.
void write_checkpoint(const fs::path& dir, int count, Compression c, std::uint64_t seed) {
    fs::create_directories(dir);
    ShardSet set(dir, count, c);
    for (int i = 0; i < count; ++i) {
        const std::string data = random_bytes(5000, seed + static_cast<std::uint64_t>(i));
        set.put(i, "file-" + std::to_string(i) + ".img", 0, slice(data, 0, data.size()));
    }
    set.finish();
}

TEST_P(ShardStreamSetDamage, BytesAfterTheTrailerAreRefused) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    write_checkpoint(dir, 3, c, 50);
    // A well-formed frame, so the codec finds nothing wrong and only the shard format can
    // tell that the shard goes on.
    append_file(dir / shard_name(2, c), frame_of(codec_of(c), "one more record that was never part of it"));
    const std::string msg = unpack_error(dir, tmp.path());
    EXPECT_TRUE(contains(msg, shard_name(2, c))) << msg;
    EXPECT_TRUE(contains(msg, "after its trailer")) << msg;
}

TEST_P(ShardStreamSetDamage, ShardsOfTwoDumpsAreRefused) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path a = tmp.path() / "a";
    const fs::path b = tmp.path() / "b";
    write_checkpoint(a, 3, c, 60);
    write_checkpoint(b, 3, c, 70);
    fs::copy_file(b / shard_name(1, c), a / shard_name(1, c), fs::copy_options::overwrite_existing);
    const std::string msg = unpack_error(a, tmp.path());
    EXPECT_TRUE(contains(msg, "another dump")) << msg;
    EXPECT_TRUE(contains(msg, shard_name(1, c))) << msg;
}

TEST_P(ShardStreamSetDamage, MissingLastShardIsRefused) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    write_checkpoint(dir, 3, c, 80);
    fs::remove(dir / shard_name(2, c));
    const std::string msg = unpack_error(dir, tmp.path());
    EXPECT_TRUE(contains(msg, "written as 3 shards")) << msg;
    EXPECT_TRUE(contains(msg, "img-2 is missing")) << msg;
}

TEST_P(ShardStreamSetDamage, ExtraShardOfAnotherDumpIsRefused) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path a = tmp.path() / "a";
    const fs::path b = tmp.path() / "b";
    write_checkpoint(a, 2, c, 90);
    write_checkpoint(b, 3, c, 100);
    fs::copy_file(b / shard_name(2, c), a / shard_name(2, c));
    const std::string msg = unpack_error(a, tmp.path());
    EXPECT_TRUE(contains(msg, "written as 2 shards")) << msg;
}

TEST_P(ShardStreamSetDamage, RenamedShardsAreRefused) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    write_checkpoint(dir, 3, c, 110);
    fs::rename(dir / shard_name(1, c), dir / "swap");
    fs::rename(dir / shard_name(2, c), dir / shard_name(1, c));
    fs::rename(dir / "swap", dir / shard_name(2, c));
    const std::string msg = unpack_error(dir, tmp.path());
    EXPECT_TRUE(contains(msg, "says it is shard img-2")) << msg;
}

TEST_P(ShardStreamSetDamage, AFileThatIsNoShardIsRefused) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    write_checkpoint(dir, 2, c, 120);
    // Encoded with the right codec, so only the missing preamble is wrong.
    write_file(dir / shard_name(1, c), frame_of(codec_of(c), std::string(100, 'x')));
    const std::string msg = unpack_error(dir, tmp.path());
    EXPECT_TRUE(contains(msg, shard_name(1, c))) << msg;
    EXPECT_TRUE(contains(msg, "not a cedana image stream")) << msg;
}

INSTANTIATE_TEST_SUITE_P(ShardStreamAllCodecs, ShardStreamSetDamage, ::testing::ValuesIn(kAll),
                         [](const ::testing::TestParamInfo<Compression>& info) { return label(info.param); });

// ---- ShardSource on its own ----

std::string read_all(ShardSource& source, const std::vector<std::size_t>& sizes) {
    std::string out;
    std::vector<char> buffer(1u << 20);
    for (std::size_t i = 0;; ++i) {
        const std::size_t want = sizes[i % sizes.size()];
        const std::size_t n = source.read(buffer.data(), want);
        EXPECT_LE(n, want);
        if (n == 0) return out;
        out.append(buffer.data(), n);
    }
}

class ShardStreamSource : public ::testing::TestWithParam<Compression> {};

TEST_P(ShardStreamSource, DecodesConcatenatedFrames) {
    // gzip members and zlib streams one after another are what ParallelFrameWriter writes;
    // an empty one in between must not be taken for the end.
    const Compression c = GetParam();
    const FrameCodec codec = codec_of(c);
    const std::string first = mixed_bytes(300000, 201);
    const std::string second = mixed_bytes(5000, 202);
    TempDir tmp;
    const fs::path path = tmp.path() / shard_name(1, c);
    write_file(path, frame_of(codec, first) + frame_of(codec, "") + frame_of(codec, second));
    for (const std::vector<std::size_t>& sizes : std::vector<std::vector<std::size_t>>{{1u << 20}, {1, 7, 4096, 65536}}) {
        ShardSource source(path, c);
        EXPECT_EQ(source.name(), shard_name(1, c));
        EXPECT_TRUE(read_all(source, sizes) == first + second);
        char byte = 0;
        EXPECT_EQ(source.read(&byte, 1), 0u) << "the end stays the end";
    }
}

TEST_P(ShardStreamSource, ReadExactlyPastTheEndSaysWhere) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path path = tmp.path() / shard_name(1, c);
    write_file(path, frame_of(codec_of(c), "0123456789"));
    ShardSource source(path, c);
    char out[16];
    source.read_exactly(out, 4, "nowhere");
    EXPECT_EQ(std::string(out, 4), "0123");
    const std::string msg = error_message([&] { source.read_exactly(out, 16, "inside the test's record"); });
    EXPECT_TRUE(contains(msg, shard_name(1, c))) << msg;
    EXPECT_TRUE(contains(msg, "truncated")) << msg;
    EXPECT_TRUE(contains(msg, "inside the test's record")) << msg;
}

TEST_P(ShardStreamSource, EmptyFileIsAnEmptyStream) {
    const Compression c = GetParam();
    TempDir tmp;
    const fs::path path = tmp.path() / shard_name(1, c);
    touch(path);
    ShardSource source(path, c);
    char byte = 0;
    EXPECT_EQ(source.read(&byte, 1), 0u);
}

TEST_P(ShardStreamSource, MissingFileIsRefused) {
    TempDir tmp;
    const std::string msg = error_message([&] { ShardSource source(tmp.path() / "img-1", GetParam()); }, ErrorKind::failed_precondition);
    EXPECT_TRUE(contains(msg, "img-1")) << msg;
}

INSTANTIATE_TEST_SUITE_P(ShardStreamAllCodecs, ShardStreamSource, ::testing::ValuesIn(kAll),
                         [](const ::testing::TestParamInfo<Compression>& info) { return label(info.param); });

TEST(ShardStreamSourceFrames, TwoGzipMembersAndTwoZlibStreams) {
    // The case the new codecs were added for, spelled out apart from the parameterized test.
    TempDir tmp;
    for (const auto& [c, codec] : {std::pair{Compression::gzip, FrameCodec::gzip}, std::pair{Compression::zlib, FrameCodec::zlib}}) {
        const fs::path path = tmp.path() / shard_name(0, c);
        write_file(path, frame_of(codec, "first member, ") + frame_of(codec, "second member"));
        ShardSource source(path, c);
        EXPECT_EQ(read_all(source, {4096}), "first member, second member") << label(c);
    }
}

TEST(ShardStreamSourceFrames, GzipFramesAreGzipAndZlibFramesAreZlib) {
    const std::string gz = frame_of(FrameCodec::gzip, "x");
    ASSERT_GE(gz.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
    const std::string z = frame_of(FrameCodec::zlib, "x");
    ASSERT_GE(z.size(), 2u);
    EXPECT_EQ(static_cast<unsigned char>(z[0]) & 0x0f, 8) << "deflate";
    EXPECT_EQ(((static_cast<unsigned char>(z[0]) << 8) | static_cast<unsigned char>(z[1])) % 31, 0) << "zlib header check";
}

TEST(ShardStreamSourceFrames, TruncatedSecondMemberIsRefused) {
    for (const auto& [c, codec] : {std::pair{Compression::gzip, FrameCodec::gzip}, std::pair{Compression::zlib, FrameCodec::zlib},
                                   std::pair{Compression::lz4, FrameCodec::lz4}, std::pair{Compression::zstd, FrameCodec::zstd}}) {
        TempDir tmp;
        const fs::path path = tmp.path() / shard_name(1, c);
        const std::string second = frame_of(codec, random_bytes(10000, 7));
        write_file(path, frame_of(codec, "whole") + second.substr(0, second.size() / 2));
        ShardSource source(path, c);
        const std::string msg = error_message([&] { (void)read_all(source, {4096}); });
        EXPECT_TRUE(contains(msg, "truncated")) << label(c) << ": " << msg;
    }
}

}  // namespace
}  // namespace cedana::images::shards
