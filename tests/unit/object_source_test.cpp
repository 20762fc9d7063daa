// Reading a remote object by offset (storage/object_source.hpp) against a store in memory
// that counts its requests: reads are served from aligned blocks fetched once each, an
// object shorter than its listing is an error, and a failed fetch is not taken for bytes.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "storage/object_source.hpp"
#include "test_bytes.hpp"
#include "test_errors.hpp"
#include "util/error.hpp"

namespace cedana::storage {
namespace {

using cedana::testing::error_message;
using cedana::testing::random_bytes;

// One object, held in memory; `served` cuts what it sends short, `broken` fails each read.
class MemoryStore final : public ObjectStore {
public:
    explicit MemoryStore(std::string bytes) : bytes_(std::move(bytes)), served(bytes_.size()) {}

    void check_access() override {}
    std::unique_ptr<ObjectUpload> upload(const std::string&) override { fail(ErrorKind::internal, "not here"); }
    std::optional<std::uint64_t> size_of(const std::string&) override { return bytes_.size(); }
    void read(const std::string&, std::uint64_t offset, std::uint64_t length, const Sink& sink) override {
        ++reads;
        if (broken) fail(ErrorKind::unavailable, "the store is gone");
        const std::uint64_t end = std::min<std::uint64_t>(offset + length, served);
        // In pieces, as a connection hands them over.
        for (std::uint64_t at = offset; at < end; at += 100000) sink(std::string_view(bytes_).substr(at, std::min<std::uint64_t>(100000, end - at)));
    }
    std::vector<ObjectInfo> list(const std::string&) override { return {}; }
    void remove(const std::string&) override {}

    std::atomic<int> reads = 0;
    std::atomic<bool> broken = false;

private:
    std::string bytes_;

public:
    std::uint64_t served;
};

TEST(ObjectSource, SmallReadsAreServedFromBlocksFetchedOnceEach) {
    const std::string bytes = random_bytes(40u << 20, 3);
    MemoryStore store(bytes);
    ObjectSource source(store, {.key = "ckpt/img-1.lz4", .size = bytes.size()});
    EXPECT_EQ(source.size(), bytes.size());
    std::string back(bytes.size(), '\0');
    constexpr std::size_t kRead = 3u << 20;  // crosses block boundaries now and then
    for (std::uint64_t at = 0; at < bytes.size(); at += kRead) {
        const auto n = source.read_at(at, kRead, back.data() + at);
        EXPECT_EQ(n, std::min<std::uint64_t>(kRead, bytes.size() - at));
    }
    EXPECT_TRUE(back == bytes);
    EXPECT_EQ(store.reads.load(), 3) << "40 MiB in 16 MiB blocks";
    char one = 0;
    EXPECT_EQ(source.read_at(bytes.size(), 1, &one), 0u);
    EXPECT_EQ(source.read_at(bytes.size() - 1, 10, &one), 1u);
    EXPECT_EQ(one, bytes.back());
}

TEST(ObjectSource, ThreadsAskingForOneBlockAtOnceFetchItOnce) {
    const std::string bytes = random_bytes(20u << 20, 4);
    MemoryStore store(bytes);
    ObjectSource source(store, {.key = "k", .size = bytes.size()});
    std::vector<std::string> got(8, std::string(1u << 20, '\0'));
    {
        std::vector<std::jthread> threads;
        for (std::size_t i = 0; i < got.size(); ++i) {
            threads.emplace_back([&, i] { source.read_at(i << 20, 1u << 20, got[i].data()); });
        }
    }
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(got[i] == bytes.substr(i << 20, 1u << 20)) << i;
    EXPECT_EQ(store.reads.load(), 1);
}

TEST(ObjectSource, AnObjectShorterThanItsListingOrAStoreThatFailsIsAnError) {
    const std::string bytes = random_bytes(1u << 20, 5);
    MemoryStore store(bytes);
    store.served = bytes.size() - 10;
    ObjectSource source(store, {.key = "ckpt/img-2.zst", .size = bytes.size()});
    std::string into(bytes.size(), '\0');
    const std::string cut = error_message([&] { source.read_at(0, into.size(), into.data()); });
    EXPECT_NE(cut.find("ckpt/img-2.zst ends at byte 1048566"), std::string::npos) << cut;

    MemoryStore gone(bytes);
    gone.broken = true;
    ObjectSource failing(gone, {.key = "k", .size = bytes.size()});
    const std::string message = error_message([&] { failing.read_at(0, 10, into.data()); }, ErrorKind::unavailable);
    EXPECT_NE(message.find("the store is gone"), std::string::npos) << message;
}

}  // namespace
}  // namespace cedana::storage
