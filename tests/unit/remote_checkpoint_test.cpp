#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "storage/remote_checkpoint.hpp"

namespace cedana::storage {
namespace {

// A store that answers a listing with whatever keys it was given, as a hostile or broken
// server may: find_checkpoint must keep only plain names right under the prefix.
class ListingStore : public ObjectStore {
public:
    explicit ListingStore(std::vector<ObjectInfo> listing) : listing_(std::move(listing)) {}
    void check_access() override {}
    std::unique_ptr<ObjectUpload> upload(const std::string&) override { return nullptr; }
    std::optional<std::uint64_t> size_of(const std::string&) override { return std::nullopt; }
    void read(const std::string&, std::uint64_t, std::uint64_t, const Sink&) override {}
    std::vector<ObjectInfo> list(const std::string&) override { return listing_; }
    void remove(const std::string& key) override { removed.push_back(key); }

    std::vector<std::string> removed;

private:
    std::vector<ObjectInfo> listing_;
};

std::vector<std::string> keys(const CheckpointObjects& found) {
    std::vector<std::string> out;
    for (const auto& o : found.objects) out.push_back(o.key);
    return out;
}

TEST(RemoteCheckpoint, ShardsRightUnderThePrefix) {
    ListingStore store({{"ck/img-0.lz4", 5}, {"ck/img-1.lz4", 7}, {"ck/deeper/img-0", 1}});
    const auto found = find_checkpoint(store, parse_url("s3://b/ck", "--path"));
    EXPECT_TRUE(found.streamed);
    EXPECT_EQ(keys(found), (std::vector<std::string>{"ck/img-0.lz4", "ck/img-1.lz4"}));
}

TEST(RemoteCheckpoint, KeysAListingShouldNotHaveGivenAreLeftOut) {
    ListingStore store({{"ck/..", 1}, {"ck/.", 1}, {"ck/", 1}, {"ck//x", 1}, {"other/img-0", 1}, {"c", 1}, {"ckx/img-0", 1},
                        {std::string("ck/a\0b", 6), 1}, {"ck/img-0", 3}});
    const auto found = find_checkpoint(store, parse_url("s3://b/ck", "--path"));
    EXPECT_EQ(keys(found), (std::vector<std::string>{"ck/img-0"}));
    EXPECT_TRUE(remove_checkpoint(store, parse_url("s3://b/ck", "--path")));
    EXPECT_EQ(store.removed, (std::vector<std::string>{"ck/img-0"}));
}

}  // namespace
}  // namespace cedana::storage
