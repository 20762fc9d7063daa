#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugins/store/store_tree.hpp"
#include "plugins/store/upload_sessions.hpp"
#include "temp_dir.hpp"
#include "test_errors.hpp"

namespace cedana::plugins::store {
namespace {

namespace fs = std::filesystem;
using testing::error_message;

RequestTarget target(const std::string& path) { return *parse_target("/v2/files/" + path, "/v2/files/", false); }

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

bool partial_empty(const fs::path& dir) { return fs::is_empty(dir / "partial"); }

TEST(StoreUploads, PartsInAnyOrderArePublishedWholeOnlyWhenComplete) {
    const cedana::testing::TempDir dir;
    StoreTree tree(dir.path() / "store");
    UploadSessions uploads(tree);
    const std::string id = uploads.open(target("ckpts/night/a.tar"), 100);
    auto session = uploads.find(id);
    ASSERT_TRUE(session);
    uploads.write(*session, 5, "fghij");
    uploads.received(*session, 5, 10);
    EXPECT_NE(error_message([&] { uploads.complete(id, 10); }).find("byte 0 of 10 never arrived"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir.path() / "store/objects/ckpts"));
    uploads.write(*session, 0, "abcde");
    uploads.received(*session, 0, 5);
    EXPECT_NE(error_message([&] { uploads.complete(id, 12); }).find("byte 10 of 12"), std::string::npos);
    uploads.complete(id, 10);
    EXPECT_EQ(read_file(dir.path() / "store/objects/ckpts/night/a.tar"), "abcdefghij");
    EXPECT_TRUE(partial_empty(dir.path() / "store"));
    EXPECT_FALSE(uploads.find(id));
    EXPECT_EQ(error_message([&] { uploads.complete(id, 10); }, ErrorKind::not_found).find("no such upload"), 0u);
}

TEST(StoreUploads, AGapInTheMiddleIsNamed) {
    const cedana::testing::TempDir dir;
    StoreTree tree(dir.path() / "store");
    UploadSessions uploads(tree);
    const std::string id = uploads.open(target("b/x"), 100);
    auto session = uploads.find(id);
    uploads.write(*session, 0, "ab");
    uploads.received(*session, 0, 2);
    uploads.write(*session, 4, "ef");
    uploads.received(*session, 4, 6);
    EXPECT_NE(error_message([&] { uploads.complete(id, 6); }).find("byte 2 of 6"), std::string::npos);
    EXPECT_NE(error_message([&] { uploads.complete(id, 1); }).find("beyond"), std::string::npos);
}

TEST(StoreUploads, AbortAndExpiryLeaveNothing) {
    const cedana::testing::TempDir dir;
    StoreTree tree(dir.path() / "store");
    UploadSessions uploads(tree);
    const std::string aborted = uploads.open(target("b/aborted"), 100);
    const std::string expiring = uploads.open(target("b/expiring"), 50);
    const std::string lasting = uploads.open(target("b/lasting"), 200);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path() / "store/partial"), fs::directory_iterator()), 3);
    uploads.abort(aborted);
    uploads.sweep(100);
    EXPECT_FALSE(uploads.find(aborted));
    EXPECT_FALSE(uploads.find(expiring));
    ASSERT_TRUE(uploads.find(lasting));
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path() / "store/partial"), fs::directory_iterator()), 1);
    uploads.complete(lasting, 0);
    EXPECT_EQ(fs::file_size(dir.path() / "store/objects/b/lasting"), 0u);
    EXPECT_TRUE(partial_empty(dir.path() / "store"));
}

TEST(StoreUploads, ARestartedStoreDropsWhatWasUnfinished) {
    const cedana::testing::TempDir dir;
    {
        StoreTree tree(dir.path() / "store");
        (void)tree.create_partial("left-over");
    }
    StoreTree again(dir.path() / "store");
    EXPECT_TRUE(partial_empty(dir.path() / "store"));
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() / "store").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(StoreTree, ListsRemovesAndLeavesNoEmptyFolders) {
    const cedana::testing::TempDir dir;
    StoreTree tree(dir.path() / "store");
    UploadSessions uploads(tree);
    for (const char* path : {"b/ck/s4/img-0", "b/ck/s4/img-1", "b/ck/a.tar"}) {
        const std::string id = uploads.open(target(path), 100);
        uploads.complete(id, 0);
    }
    EXPECT_EQ(*tree.list(target("b/ck")), (std::vector<std::string>{"a.tar", "s4/"}));
    EXPECT_EQ(*tree.list(*parse_target("/v2/files/dir/", "/v2/files/dir/", true)), (std::vector<std::string>{"b/"}));
    EXPECT_FALSE(tree.list(target("b/none")));
    EXPECT_TRUE(tree.open_object(target("b/ck/a.tar")));
    EXPECT_FALSE(tree.open_object(target("b/ck")));
    EXPECT_TRUE(tree.remove(target("b/ck/s4/img-0")));
    EXPECT_TRUE(tree.remove(target("b/ck/s4/img-1")));
    EXPECT_FALSE(tree.remove(target("b/ck/s4/img-1")));
    EXPECT_FALSE(fs::exists(dir.path() / "store/objects/b/ck/s4"));
    EXPECT_TRUE(tree.remove(target("b/ck/a.tar")));
    EXPECT_TRUE(fs::is_empty(dir.path() / "store/objects"));
}

TEST(StoreTree, FollowsNoLinkOutOfTheStore) {
    const cedana::testing::TempDir dir;
    StoreTree tree(dir.path() / "store");
    std::ofstream(dir.path() / "secret") << "root's";
    fs::create_directories(dir.path() / "store/objects/b");
    fs::create_symlink(dir.path() / "secret", dir.path() / "store/objects/b/link");
    fs::create_directory_symlink(dir.path(), dir.path() / "store/objects/up");
    EXPECT_FALSE(tree.open_object(target("b/link")));
    EXPECT_FALSE(tree.open_object(target("up/secret")));
    EXPECT_FALSE(tree.list(target("up")));
    EXPECT_FALSE(tree.remove(target("b/link")));
    EXPECT_TRUE(fs::exists(dir.path() / "secret"));
}

TEST(StoreTree, AFileCannotAlsoBeAFolder) {
    const cedana::testing::TempDir dir;
    StoreTree tree(dir.path() / "store");
    UploadSessions uploads(tree);
    uploads.complete(uploads.open(target("b/x"), 100), 0);
    const std::string id = uploads.open(target("b/x/y"), 100);
    EXPECT_NE(error_message([&] { uploads.complete(id, 0); }, ErrorKind::failed_precondition).find("b/x is a file"), std::string::npos);
}

}  // namespace
}  // namespace cedana::plugins::store
