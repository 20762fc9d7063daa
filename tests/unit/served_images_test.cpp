// The memory images of a streamed checkpoint served from their shards: the index the dump
// writes into img-0, random access to a shard's frames, and the FUSE files CRIU reads
// (those tests need root and /dev/fuse and say so when skipped).

#include <gtest/gtest.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "images/checksum.hpp"
#include "images/opened_checkpoint.hpp"
#include "images/served/frame_stream.hpp"
#include "images/archive.hpp"
#include "images/served/archive_frames.hpp"
#include "images/served/served_archive.hpp"
#include "images/served/served_images.hpp"
#include "images/served/served_shards.hpp"
#include "images/shards/shard_format.hpp"
#include "images/shards/shard_index.hpp"
#include "images/shards/shard_set.hpp"
#include "images/shards/shard_unpack.hpp"
#include "temp_dir.hpp"
#include "test_bytes.hpp"
#include "test_errors.hpp"
#include "test_files.hpp"
#include "util/error.hpp"
#include "util/file_source.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images::served {
namespace {

namespace fs = std::filesystem;
using cedana::testing::error_message;
using cedana::testing::random_bytes;
using cedana::testing::read_file;
using cedana::testing::TempDir;
using shards::ShardIndex;

constexpr Compression kAll[] = {Compression::none, Compression::gzip, Compression::lz4, Compression::zlib, Compression::zstd};

bool contains(const std::string& haystack, std::string_view needle) { return haystack.find(needle) != std::string::npos; }

ShardIndex small_index() {
    ShardIndex index;
    index.streams.push_back({.shard = 1, .file_size = 300, .frames = {{0, 100, 0, 60}, {100, 200, 60, 240}}});
    index.streams.push_back({.shard = 2, .file_size = 90, .frames = {{0, 150, 0, 90}}});
    index.files["pages-1.img"] = {{.offset = 0, .length = 50, .shard = 1, .raw = 40}, {.offset = 50, .length = 100, .shard = 2, .raw = 32}};
    index.files["pages-2.img"] = {{.offset = 0, .length = 0, .shard = 1, .raw = 0}};
    return index;
}

TEST(ShardIndex, RoundTrips) {
    const ShardIndex index = small_index();
    EXPECT_EQ(shards::decode_index(shards::encode_index(index), 3), index);
    EXPECT_EQ(index.file_size("pages-1.img"), 150u);
    EXPECT_EQ(index.file_size("pages-2.img"), 0u);
}

TEST(ShardIndex, RefusesWhatDoesNotFit) {
    const auto refused = [](const ShardIndex& index, int shards) {
        return error_message([&] { shards::decode_index(shards::encode_index(index), shards); });
    };
    EXPECT_TRUE(contains(refused(small_index(), 4), "describes 2 memory shards, the checkpoint has 3"));

    ShardIndex hole = small_index();
    hole.files["pages-1.img"][1].offset = 60;
    EXPECT_TRUE(contains(refused(hole, 3), "pieces of pages-1.img leave a hole or overlap at byte 50"));

    ShardIndex beyond = small_index();
    beyond.files["pages-1.img"][1].raw = 100;
    EXPECT_TRUE(contains(refused(beyond, 3), "lies beyond the end of img-2"));

    ShardIndex wrong_shard = small_index();
    wrong_shard.files["pages-1.img"][0].shard = 0;
    EXPECT_TRUE(contains(refused(wrong_shard, 3), "is in img-0, which holds no memory"));

    ShardIndex gap = small_index();
    gap.streams[0].frames[1].raw_offset = 120;
    EXPECT_TRUE(contains(refused(gap, 3), "frames of img-1 do not follow one another"));

    ShardIndex past = small_index();
    past.streams[0].file_size = 100;
    EXPECT_TRUE(contains(refused(past, 3), "frames of img-1 end beyond the shard"));

    ShardIndex huge = small_index();
    huge.streams[1].frames[0].raw_size = 1ull << 40;
    EXPECT_TRUE(contains(refused(huge, 3), "img-2 has a frame too large"));

    ShardIndex slash = small_index();
    slash.files["../pages-3.img"] = {};
    EXPECT_TRUE(contains(refused(slash, 3), "is no file name"));

    for (const std::string text : {"", "{", "[]", R"({"version":2,"streams":[],"files":{}})", R"({"version":1,"streams":[{"shard":"x"}],"files":{}})"}) {
        EXPECT_TRUE(contains(error_message([&] { shards::decode_index(text, 3); }), "index (shard-index.json in img-0) is damaged")) << text;
    }
}

// A streamed checkpoint written by ShardSet the way a dump writes one: two memory images cut
// into pieces spread round-robin over the memory shards, a small image in img-0.
struct Written {
    std::map<std::string, std::string> images;
    std::map<std::string, FileSum> sums;
};

Written write_checkpoint(const fs::path& dir, int count, Compression c, std::size_t image_size) {
    Written w;
    w.images["pages-1.img"] = random_bytes(image_size, 1);
    w.images["pages-2.img"] = random_bytes(image_size / 3 + 7, 2);
    shards::ShardSet set(dir, count, c);
    constexpr std::size_t kPiece = 100000;
    int next = 1;
    std::map<std::string, std::uint64_t> at;
    bool more = true;
    while (more) {
        more = false;
        for (const auto& [name, bytes] : w.images) {
            const std::uint64_t offset = at[name];
            if (offset >= bytes.size()) continue;
            const std::size_t n = std::min(kPiece, bytes.size() - offset);
            set.put(next, name, offset, {bytes.data() + offset, n});
            at[name] += n;
            next = next + 1 < count ? next + 1 : 1;
            more = true;
        }
    }
    const fs::path inventory = dir / "inventory.img";
    std::ofstream(inventory) << "small image";
    set.put_file(0, inventory);
    fs::remove(inventory);
    set.finish();
    for (const auto& [name, bytes] : w.images) {
        StreamingChecksum sum;
        sum.update(bytes.data(), bytes.size());
        w.sums[name] = sum.finish();
    }
    return w;
}

std::string pread_file(const fs::path& path, std::uint64_t offset, std::size_t size) {
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd) << path;
    std::string out(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n = ::pread(fd.get(), out.data() + got, size - got, static_cast<off_t>(offset + got));
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
    return out;
}

TEST(ServedStreams, TheDumpIndexesEveryPieceOfMemory) {
    for (const Compression c : kAll) {
        TempDir tmp;
        const Written w = write_checkpoint(tmp.path(), 4, c, 3u << 20);
        const auto layout = shards::find_shards(tmp.path());
        ASSERT_TRUE(layout);
        const fs::path dest = tmp.path() / "dest";
        fs::create_directory(dest);
        const auto text = shards::unpack_shards(*layout, dest, shards::ShardSelection::first);
        ASSERT_TRUE(text) << "img-0 carries no index";
        EXPECT_EQ(read_file(dest / "inventory.img"), "small image");
        EXPECT_FALSE(fs::exists(dest / shards::kIndexFile)) << "the index is no file of the checkpoint";
        EXPECT_FALSE(fs::exists(dest / "pages-1.img")) << "only img-0 was to be decoded";
        ShardIndex index = shards::decode_index(*text, 4);
        ASSERT_EQ(index.streams.size(), 3u);
        for (const auto& [name, bytes] : w.images) {
            ASSERT_EQ(index.file_size(name), bytes.size()) << name;
            // Every piece, read back through its shard's frames, is the image's bytes.
            std::string back;
            for (const auto& piece : index.files.at(name)) {
                const auto& stream = index.streams.at(static_cast<std::size_t>(piece.shard - 1));
                FrameStream frames(layout->shards.at(static_cast<std::size_t>(piece.shard)), "img", shards::shard_codec(c), stream.frames);
                std::vector<Slice> slices;
                frames.read(piece.raw, piece.length, slices);
                for (const auto& s : slices) back.append(s.data, s.size);
            }
            EXPECT_TRUE(back == bytes) << name << " compression " << static_cast<int>(c);
        }
        // Unpacking every shard still gives exactly the files, without the index.
        const fs::path all = tmp.path() / "all";
        fs::create_directory(all);
        shards::unpack_shards(*layout, all);
        EXPECT_FALSE(fs::exists(all / shards::kIndexFile));
        EXPECT_TRUE(read_file(all / "pages-1.img") == w.images.at("pages-1.img"));
    }
}

TEST(ServedStreams, ADamagedFrameNamesItsShard) {
    TempDir tmp;
    write_checkpoint(tmp.path(), 3, Compression::zstd, 2u << 20);
    const auto layout = shards::find_shards(tmp.path());
    const fs::path dest = tmp.path() / "dest";
    fs::create_directory(dest);
    const ShardIndex index = shards::decode_index(*shards::unpack_shards(*layout, dest, shards::ShardSelection::first), 3);
    // zstd frames carry a checksum of their content (lz4's, of random bytes stored as they
    // are, would not notice; the image's checksum does).
    const fs::path shard = layout->shards.at(1);
    const auto& frame = index.streams[0].frames.back();
    {
        std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(frame.file_offset + frame.file_size / 2));
        const std::string junk(64, '\x5a');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    FrameStream frames(shard, "shard img-1.zst", FrameCodec::zstd, index.streams[0].frames);
    std::vector<Slice> slices;
    const std::string message = error_message([&] { frames.read(frame.raw_offset, 10, slices); });
    EXPECT_TRUE(contains(message, "shard img-1.zst is corrupted")) << message;

    fs::resize_file(shard, frame.file_offset + 3);
    FrameStream cut(shard, "shard img-1.zst", FrameCodec::zstd, index.streams[0].frames);
    const std::string truncated = error_message([&] { cut.read(frame.raw_offset, 10, slices); });
    EXPECT_TRUE(contains(truncated, "shard img-1.zst is truncated")) << truncated;
}

// Null when FUSE cannot be used here (the test is then skipped, saying why).
std::unique_ptr<ServedImages> serve(const fs::path& dir, const fs::path& dest, std::string& why) {
    const auto layout = shards::find_shards(dir);
    const auto text = shards::unpack_shards(*layout, dest, shards::ShardSelection::first);
    try {
        return serve_shards(*layout, shards::decode_index(*text, static_cast<int>(layout->shards.size())), dest);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::unavailable) throw;
        why = e.what();
        return nullptr;
    }
}

TEST(ServedImages, CriuReadsTheImagesAsFilesAndTheChecksumsHold) {
    for (const Compression c : kAll) {
        TempDir tmp;
        const fs::path dir = tmp.path() / "ckpt";
        fs::create_directory(dir);
        const Written w = write_checkpoint(dir, 3, c, 5u << 20);
        const fs::path dest = tmp.path() / "dest";
        fs::create_directory(dest);
        std::string why;
        auto served = serve(dir, dest, why);
        if (!served) GTEST_SKIP() << "FUSE is not usable here: " << why;
        for (const auto& [name, bytes] : w.images) {
            EXPECT_EQ(fs::file_size(dest / name), bytes.size()) << name;
            EXPECT_TRUE(read_file(dest / name) == bytes) << name << " compression " << static_cast<int>(c);
        }
        served->verify(w.sums);
        EXPECT_EQ(served->rehashed(), 0u) << "read front to back, nothing needed hashing again";
    }
}

TEST(ServedImages, ReadsOutOfOrderAreServedAndHashedAgain) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    fs::create_directory(dir);
    const Written w = write_checkpoint(dir, 4, Compression::zstd, 9u << 20);
    const fs::path dest = tmp.path() / "dest";
    fs::create_directory(dest);
    std::string why;
    auto served = serve(dir, dest, why);
    if (!served) GTEST_SKIP() << "FUSE is not usable here: " << why;
    const std::string& bytes = w.images.at("pages-1.img");
    const std::uint64_t far = 7u << 20;
    EXPECT_TRUE(pread_file(dest / "pages-1.img", far, 300000) == bytes.substr(far, 300000));
    EXPECT_TRUE(pread_file(dest / "pages-1.img", 12345, 1u << 20) == bytes.substr(12345, 1u << 20));
    EXPECT_TRUE(pread_file(dest / "pages-1.img", bytes.size() - 10, 100) == bytes.substr(bytes.size() - 10));
    served->verify(w.sums);
    EXPECT_EQ(served->rehashed(), bytes.size() + w.images.at("pages-2.img").size());
}

TEST(ServedImages, ACorruptedImageFailsItsChecksumAndADamagedFrameFailsTheRead) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    fs::create_directory(dir);
    Written w = write_checkpoint(dir, 3, Compression::none, 2u << 20);
    // Uncompressed shards decode whatever they hold: only the checksum can tell.
    const auto layout = shards::find_shards(dir);
    {
        std::fstream f(layout->shards.at(2), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(1u << 19);
        f.put('\x01');
        f.put('\x02');
    }
    const fs::path dest = tmp.path() / "dest";
    fs::create_directory(dest);
    std::string why;
    auto served = serve(dir, dest, why);
    if (!served) GTEST_SKIP() << "FUSE is not usable here: " << why;
    for (const auto& [name, bytes] : w.images) read_file(dest / name);
    const std::string message = error_message([&] { served->verify(w.sums); });
    EXPECT_TRUE(contains(message, "fails its checksum")) << message;
}

TEST(ServedImages, AShardCutShortIsRefusedBeforeAnythingIsServed) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "ckpt";
    fs::create_directory(dir);
    write_checkpoint(dir, 3, Compression::lz4, 2u << 20);
    const auto layout = shards::find_shards(dir);
    fs::resize_file(layout->shards.at(2), fs::file_size(layout->shards.at(2)) - 1);
    const fs::path dest = tmp.path() / "dest";
    fs::create_directory(dest);
    std::string why;
    const std::string message = error_message([&] { serve(dir, dest, why); });
    EXPECT_TRUE(contains(message, "shard img-2.lz4 is truncated")) << message;
    EXPECT_FALSE(fs::exists(dest / "pages-1.img"));
}

// A checkpoint directory as a dump leaves it: memory images and small ones.
std::map<std::string, std::string> write_images(const fs::path& dir) {
    std::map<std::string, std::string> files;
    files["pages-1.img"] = random_bytes(9u << 20, 5);
    files["pages-2.img"] = random_bytes(12345, 6);
    files["pagemap-1.img"] = "pagemap bytes";
    files["inventory.img"] = "inventory";
    files["cedana.json"] = "{}";
    for (const auto& [name, bytes] : files) std::ofstream(dir / name, std::ios::binary) << bytes;
    return files;
}

TEST(ServedArchive, TheMemoryOfATarLz4OrZstdArchiveIsServedAndTheRestExtracted) {
    for (const Compression c : {Compression::tar, Compression::lz4, Compression::zstd}) {
        TempDir tmp;
        const fs::path src = tmp.path() / "src";
        fs::create_directory(src);
        const auto files = write_images(src);
        const fs::path archive = tmp.path() / "cp.tar";
        pack(src, archive, c);
        const auto frames = archive_frames(archive, c);
        ASSERT_TRUE(frames) << "compression " << static_cast<int>(c);
        EXPECT_EQ(frames->back().file_offset + frames->back().file_size, fs::file_size(archive));
        const fs::path dest = tmp.path() / "dest";
        fs::create_directory(dest);
        std::unique_ptr<ServedImages> served;
        try {
            served = serve_archive(archive, c, dest);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::unavailable) throw;
            GTEST_SKIP() << "FUSE is not usable here: " << e.what();
        }
        ASSERT_TRUE(served) << "compression " << static_cast<int>(c);
        EXPECT_TRUE(fs::is_symlink(dest / "pages-1.img"));
        EXPECT_FALSE(fs::is_symlink(dest / "inventory.img"));
        for (const auto& [name, bytes] : files) EXPECT_TRUE(read_file(dest / name) == bytes) << name;
        std::map<std::string, FileSum> sums;
        for (const auto& name : {"pages-1.img", "pages-2.img"}) {
            StreamingChecksum sum;
            sum.update(files.at(name).data(), files.at(name).size());
            sums[name] = sum.finish();
        }
        served->verify(sums);
    }
}

TEST(ServedArchive, ArchivesItCannotIndexAreLeftToExtraction) {
    TempDir tmp;
    const fs::path src = tmp.path() / "src";
    fs::create_directory(src);
    write_images(src);
    const fs::path dest = tmp.path() / "dest";
    fs::create_directory(dest);
    const fs::path gz = tmp.path() / "cp.tar.gz";
    pack(src, gz, Compression::gzip);
    EXPECT_FALSE(archive_frames(gz, Compression::gzip));
    EXPECT_EQ(serve_archive(gz, Compression::gzip, dest), nullptr);

    // lz4's own tool writes no content size into its frames: those with blocks that
    // compress cannot be placed without decoding them.
    const fs::path text = tmp.path() / "text";
    fs::create_directory(text);
    std::string compressible;
    while (compressible.size() < (2u << 20)) compressible += "a page that compresses well ";
    std::ofstream(text / "pages-1.img", std::ios::binary) << compressible;
    const fs::path tar = tmp.path() / "cp.tar";
    pack(text, tar, Compression::tar);
    const fs::path lz4 = tmp.path() / "cp.tar.lz4";
    ASSERT_EQ(std::system(("lz4 -q -f " + tar.string() + " " + lz4.string()).c_str()), 0);
    EXPECT_FALSE(archive_frames(lz4, Compression::lz4));

    // Cut short: extraction reports it.
    const fs::path zst = tmp.path() / "cp.tar.zst";
    pack(src, zst, Compression::zstd);
    fs::resize_file(zst, fs::file_size(zst) - 100);
    EXPECT_FALSE(archive_frames(zst, Compression::zstd));
    EXPECT_EQ(serve_archive(zst, Compression::zstd, dest), nullptr);
    EXPECT_TRUE(fs::is_empty(dest)) << "nothing is written for an archive left to extraction";
}


// ---- the memory shards read from sources (a remote checkpoint's objects) ----

// A shard elsewhere, as a store would hand it: counted reads of a file in another directory.
class CountedSource final : public util::ByteSource {
public:
    explicit CountedSource(const fs::path& path) : file_(path, path.filename().string()) {}
    [[nodiscard]] std::uint64_t size() const override { return file_.size(); }
    std::size_t read_at(std::uint64_t offset, std::size_t size, char* into) override {
        ++reads;
        return file_.read_at(offset, size, into);
    }
    std::atomic<int> reads = 0;

private:
    util::FileSource file_;
};

// img-0 moved to `here`, the memory shards left in `there` and read through sources.
struct Apart {
    shards::ShardLayout layout;
    std::vector<std::shared_ptr<util::ByteSource>> sources;
    std::vector<std::shared_ptr<CountedSource>> counted;
};

Apart apart(const fs::path& there, const fs::path& here) {
    Apart a;
    a.layout = *shards::find_shards(there);
    fs::create_directories(here);
    const fs::path first = here / a.layout.shards[0].filename();
    fs::rename(a.layout.shards[0], first);
    for (std::size_t i = 1; i < a.layout.shards.size(); ++i) {
        a.counted.push_back(std::make_shared<CountedSource>(a.layout.shards[i]));
        a.sources.push_back(a.counted.back());
        a.layout.shards[i] = here / a.layout.shards[i].filename();
    }
    a.layout.shards[0] = first;
    return a;
}

TEST(RemoteShards, OnlyImg0IsDecodedHereAndTheMemoryIsReadFromTheSources) {
    TempDir tmp;
    const fs::path there = tmp.path() / "store";
    fs::create_directory(there);
    const Written w = write_checkpoint(there, 4, Compression::lz4, 6u << 20);
    Apart a = apart(there, tmp.path() / "here");
    const OpenedCheckpoint opened(a.layout, a.sources);
    EXPECT_TRUE(opened.streamed());
    EXPECT_EQ(opened.format(), Compression::lz4);
    EXPECT_EQ(read_file(opened.dir() / "inventory.img"), "small image");
    for (const auto& [name, bytes] : w.images) EXPECT_TRUE(read_file(opened.dir() / name) == bytes) << name;
    for (const auto& c : a.counted) EXPECT_GT(c->reads.load(), 0);
    if (opened.served() == nullptr) {
        // Without FUSE the shards had to be copied here first: nothing else can be checked.
        EXPECT_TRUE(fs::exists(a.layout.shards[1]));
        return;
    }
    opened.served()->verify(w.sums);
    for (std::size_t i = 1; i < a.layout.shards.size(); ++i) EXPECT_FALSE(fs::exists(a.layout.shards[i])) << "a memory shard was copied here";
}

TEST(RemoteShards, ASourceCutShortOrFromAnotherDumpIsRefusedBeforeAnythingIsServed) {
    TempDir tmp;
    const fs::path there = tmp.path() / "store";
    const fs::path other = tmp.path() / "other";
    fs::create_directory(there);
    fs::create_directory(other);
    write_checkpoint(there, 3, Compression::zstd, 2u << 20);
    write_checkpoint(other, 3, Compression::zstd, 2u << 20);
    {
        Apart a = apart(there, tmp.path() / "here1");
        fs::resize_file(there / "img-2.zst", fs::file_size(there / "img-2.zst") - 1);
        a.sources[1] = std::make_shared<CountedSource>(there / "img-2.zst");
        const std::string message = error_message([&] { OpenedCheckpoint opened(a.layout, a.sources); });
        EXPECT_TRUE(contains(message, "shard img-2.zst is truncated")) << message;
    }
    {
        TempDir fresh;
        write_checkpoint(fresh.path(), 3, Compression::zstd, 2u << 20);
        Apart a = apart(fresh.path(), tmp.path() / "here2");
        // The same size, another dump: only its preamble tells.
        a.sources[0] = std::make_shared<CountedSource>(other / "img-1.zst");
        const std::string message = error_message([&] { OpenedCheckpoint opened(a.layout, a.sources); });
        EXPECT_TRUE(contains(message, "shard img-1.zst comes from another dump")) << message;
    }
    for (const auto& entry : fs::directory_iterator(tmp.path() / "here1")) {
        EXPECT_FALSE(entry.path().filename().string().starts_with(".cedana-restore")) << "left behind: " << entry.path();
    }
}

TEST(RemoteShards, ShardLayoutOfNamesFindsGapsAndMixedCompressions) {
    const fs::path dir = "/remote/ckpt";
    EXPECT_FALSE(shards::shard_layout(dir, {dir / "cedana.json"}).has_value());
    const auto layout = shards::shard_layout(dir, {dir / "img-1.lz4", dir / "img-0.lz4", dir / "notes"});
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->shards, (std::vector<fs::path>{dir / "img-0.lz4", dir / "img-1.lz4"}));
    EXPECT_EQ(layout->compression, Compression::lz4);
    const std::string gap = error_message([&] { (void)shards::shard_layout(dir, {dir / "img-0.lz4", dir / "img-2.lz4"}); });
    EXPECT_TRUE(contains(gap, "shard img-1 is missing")) << gap;
    const std::string mixed = error_message([&] { (void)shards::shard_layout(dir, {dir / "img-0.lz4", dir / "img-1.zst"}); });
    EXPECT_TRUE(contains(mixed, "different compressions")) << mixed;
}

}  // namespace
}  // namespace cedana::images::served
