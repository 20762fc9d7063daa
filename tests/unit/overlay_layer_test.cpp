// The containerd plugin's export of an overlayfs upper directory as an OCI layer tar: what
// containerd's applier needs to rebuild the same writable layer (whiteouts, opaque
// directories, links, xattrs), and the digest and size the image manifest records for it.
// The tar is read back with libarchive rather than compared byte for byte, since entry order
// follows directory iteration and is not part of the contract.

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "plugins/containerd/overlay_layer.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {
namespace {

namespace fs = std::filesystem;

// One tar entry as the applier would see it.
struct Entry {
    mode_t type = 0;
    mode_t perm = 0;
    std::int64_t size = 0;
    std::string symlink;
    std::string hardlink;
    std::string data;
    std::map<std::string, std::string> xattrs;
};

struct Layer {
    std::vector<std::string> order;  // names as they appear, to tell which hard link came first
    std::map<std::string, Entry> entries;
};

struct ReaderDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};

// Reads every entry of the tar at `path`; a tar libarchive cannot read fails the test.
Layer read_layer(const fs::path& path) {
    Layer layer;
    std::unique_ptr<archive, ReaderDeleter> reader(archive_read_new());
    // Only the tar reader: the static build links libarchive without lzma and bzip2, which
    // the 7-Zip reader pulled in by archive_read_support_format_all needs. An OCI layer is
    // a tar, and anything else failing to read is a finding.
    archive_read_support_format_tar(reader.get());
    if (archive_read_open_filename(reader.get(), path.c_str(), 10240) != ARCHIVE_OK) {
        ADD_FAILURE() << "cannot open " << path << ": " << archive_error_string(reader.get());
        return layer;
    }
    archive_entry* ae = nullptr;
    int rc = ARCHIVE_OK;
    while ((rc = archive_read_next_header(reader.get(), &ae)) == ARCHIVE_OK) {
        Entry e;
        e.type = archive_entry_filetype(ae);
        e.perm = archive_entry_perm(ae);
        e.size = archive_entry_size(ae);
        if (const char* s = archive_entry_symlink(ae)) e.symlink = s;
        if (const char* h = archive_entry_hardlink(ae)) e.hardlink = h;
        archive_entry_xattr_reset(ae);
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
            e.xattrs[name] = std::string(static_cast<const char*>(value), size);
        }
        char buffer[4096];
        la_ssize_t n = 0;
        while ((n = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0) e.data.append(buffer, static_cast<std::size_t>(n));
        EXPECT_GE(n, 0) << "reading the data of " << archive_entry_pathname(ae) << ": " << archive_error_string(reader.get());
        std::string pathname = archive_entry_pathname(ae);
        // tar stores directories as "name/"; the applier cleans that away, and so do the checks.
        if (e.type == AE_IFDIR && pathname.ends_with('/')) pathname.pop_back();
        EXPECT_EQ(layer.entries.count(pathname), 0u) << pathname << " appears twice";
        layer.order.push_back(pathname);
        layer.entries[pathname] = std::move(e);
    }
    EXPECT_EQ(rc, ARCHIVE_EOF) << "the tar ends early: " << archive_error_string(reader.get());
    return layer;
}

void write_file(const fs::path& path, const std::string& content, mode_t mode = 0644) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    ASSERT_TRUE(out.good()) << path;
    // The umask must not decide the mode the test expects back.
    ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path << ": " << std::strerror(errno);
}

// 0 or the errno, so the test body (not a helper) can GTEST_SKIP where the sandbox forbids it.
int set_xattr(const fs::path& path, const std::string& name, const std::string& value) {
    return ::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) == 0 ? 0 : errno;
}

int make_whiteout(const fs::path& path) { return ::mknod(path.c_str(), S_IFCHR | 0000, makedev(0, 0)) == 0 ? 0 : errno; }

struct DigestDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Computed independently of write_layer's streaming digest, over the file as it lies on disk.
std::string sha256_of(const std::string& bytes) {
    std::unique_ptr<EVP_MD_CTX, DigestDeleter> ctx(EVP_MD_CTX_new());
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EXPECT_EQ(EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr), 1);
    EXPECT_EQ(EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()), 1);
    EXPECT_EQ(EVP_DigestFinal_ex(ctx.get(), md, &length), 1);
    std::string hex;
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
}

class OverlayLayerTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(fs::create_directory(upper())); }

    [[nodiscard]] fs::path upper() const { return dir_.path() / "upper"; }
    // Outside the upper directory, or the layer would try to contain itself.
    [[nodiscard]] fs::path out() const { return dir_.path() / "layer.tar"; }

private:
    cedana::testing::TempDir dir_;
};

TEST_F(OverlayLayerTest, FilesAndDirectoriesKeepContentModeAndRelativeNames) {
    write_file(upper() / "hello.txt", "hello, layer\n", 0640);
    ASSERT_TRUE(fs::create_directory(upper() / "newdir"));
    write_file(upper() / "newdir" / "inner.bin", std::string("a\0b", 3));

    write_layer(upper(), out());
    const Layer layer = read_layer(out());

    EXPECT_EQ(layer.entries.size(), 3u) << "hello.txt, newdir, newdir/inner.bin and nothing else";
    for (const auto& name : layer.order) {
        EXPECT_FALSE(name.starts_with("/")) << name << ": the applier resolves names below the snapshot root";
        EXPECT_FALSE(name.starts_with("./")) << name;
        EXPECT_NE(name, ".") << "the root of the upper directory is the snapshot's root, not an entry";
        EXPECT_NE(name, "") << "the root of the upper directory is the snapshot's root, not an entry";
    }
    ASSERT_EQ(layer.entries.count("hello.txt"), 1u);
    const Entry& hello = layer.entries.at("hello.txt");
    EXPECT_EQ(hello.type, AE_IFREG);
    EXPECT_EQ(hello.perm, 0640u);
    EXPECT_EQ(hello.data, "hello, layer\n");

    ASSERT_EQ(layer.entries.count("newdir"), 1u);
    EXPECT_EQ(layer.entries.at("newdir").type, AE_IFDIR);
    ASSERT_EQ(layer.entries.count("newdir/inner.bin"), 1u);
    EXPECT_EQ(layer.entries.at("newdir/inner.bin").data, std::string("a\0b", 3)) << "binary content survives as is";
}

TEST_F(OverlayLayerTest, WhiteoutDeviceBecomesAnEmptyWhEntry) {
    ASSERT_TRUE(fs::create_directory(upper() / "etc"));
    if (const int err = make_whiteout(upper() / "etc" / "group"); err != 0) {
        if (err == EPERM) GTEST_SKIP() << "mknod of a 0:0 character device needs CAP_MKNOD, which this sandbox lacks";
        FAIL() << "mknod: " << std::strerror(err);
    }

    write_layer(upper(), out());
    const Layer layer = read_layer(out());

    EXPECT_EQ(layer.entries.count("etc/group"), 0u) << "a device in a layer would be created, not read as a deletion";
    ASSERT_EQ(layer.entries.count("etc/.wh.group"), 1u);
    const Entry& wh = layer.entries.at("etc/.wh.group");
    EXPECT_EQ(wh.type, AE_IFREG);
    EXPECT_EQ(wh.size, 0);
    EXPECT_TRUE(wh.data.empty());
    ASSERT_EQ(layer.entries.count("etc"), 1u) << "the directory holding the whiteout is still part of the layer";
    EXPECT_EQ(layer.entries.at("etc").type, AE_IFDIR);
}

TEST_F(OverlayLayerTest, OpaqueDirectoryGetsAMarkerAndOverlayXattrsAreDropped) {
    ASSERT_TRUE(fs::create_directory(upper() / "tmp"));
    ASSERT_TRUE(fs::create_directory(upper() / "plain"));
    write_file(upper() / "tmp" / "kept", "x");
    if (const int err = set_xattr(upper() / "tmp", "trusted.overlay.opaque", "y"); err != 0) {
        if (err == EPERM || err == ENOTSUP) GTEST_SKIP() << "trusted.* xattrs need CAP_SYS_ADMIN and filesystem support: " << std::strerror(err);
        FAIL() << "setxattr trusted.overlay.opaque: " << std::strerror(err);
    }
    if (const int err = set_xattr(upper() / "tmp" / "kept", "user.test", "1"); err != 0) {
        if (err == ENOTSUP) GTEST_SKIP() << "the temp filesystem has no user.* xattrs";
        FAIL() << "setxattr user.test: " << std::strerror(err);
    }

    write_layer(upper(), out());
    const Layer layer = read_layer(out());

    ASSERT_EQ(layer.entries.count("tmp"), 1u);
    const Entry& tmp = layer.entries.at("tmp");
    EXPECT_EQ(tmp.type, AE_IFDIR);
    for (const auto& [name, value] : tmp.xattrs) {
        EXPECT_FALSE(name.starts_with("trusted.overlay.")) << name << " would make the applier's own overlay misread the directory";
    }
    ASSERT_EQ(layer.entries.count("tmp/.wh..wh..opq"), 1u) << "the opaque flag travels as a marker entry instead";
    const Entry& marker = layer.entries.at("tmp/.wh..wh..opq");
    EXPECT_EQ(marker.type, AE_IFREG);
    EXPECT_EQ(marker.size, 0);

    ASSERT_EQ(layer.entries.count("tmp/kept"), 1u);
    const auto& kept = layer.entries.at("tmp/kept").xattrs;
    ASSERT_EQ(kept.count("user.test"), 1u) << "the container's own xattrs are part of its files";
    EXPECT_EQ(kept.at("user.test"), "1");

    // Only directories overlayfs marked opaque hide the image's contents.
    ASSERT_EQ(layer.entries.count("plain"), 1u);
    EXPECT_EQ(layer.entries.count("plain/.wh..wh..opq"), 0u);
}

TEST_F(OverlayLayerTest, SymlinkIsStoredAsALinkNotItsTarget) {
    write_file(upper() / "target.txt", "pointed at");
    // Dangling on purpose: the target may live in a lower layer, so it must not be followed.
    fs::create_symlink("../usr/lib/missing.so", upper() / "dangling");
    fs::create_symlink("target.txt", upper() / "link");

    write_layer(upper(), out());
    const Layer layer = read_layer(out());

    ASSERT_EQ(layer.entries.count("link"), 1u);
    EXPECT_EQ(layer.entries.at("link").type, AE_IFLNK);
    EXPECT_EQ(layer.entries.at("link").symlink, "target.txt");
    EXPECT_TRUE(layer.entries.at("link").data.empty());
    ASSERT_EQ(layer.entries.count("dangling"), 1u);
    EXPECT_EQ(layer.entries.at("dangling").type, AE_IFLNK);
    EXPECT_EQ(layer.entries.at("dangling").symlink, "../usr/lib/missing.so");
}

TEST_F(OverlayLayerTest, SecondHardLinkPointsAtTheFirstWithoutItsData) {
    const std::string content(3000, 'h');
    write_file(upper() / "one", content);
    ASSERT_EQ(::link((upper() / "one").c_str(), (upper() / "two").c_str()), 0) << std::strerror(errno);

    write_layer(upper(), out());
    const Layer layer = read_layer(out());

    ASSERT_EQ(layer.entries.count("one"), 1u);
    ASSERT_EQ(layer.entries.count("two"), 1u);
    // Which name comes first follows directory iteration; the tar's order is what counts.
    std::string first;
    std::string second;
    for (const auto& name : layer.order) {
        if (name != "one" && name != "two") continue;
        (first.empty() ? first : second) = name;
    }
    const Entry& a = layer.entries.at(first);
    const Entry& b = layer.entries.at(second);
    EXPECT_TRUE(a.hardlink.empty()) << first << " is the first of its inode and carries the data";
    EXPECT_EQ(a.data, content);
    EXPECT_EQ(b.hardlink, first);
    EXPECT_TRUE(b.data.empty()) << "the data is in the tar once";
    EXPECT_EQ(b.size, 0);
    EXPECT_LT(fs::file_size(out()), 2 * content.size()) << "the data is in the tar once";
}

TEST_F(OverlayLayerTest, ReturnedSizeAndDigestDescribeTheWrittenFile) {
    write_file(upper() / "a", "alpha");
    ASSERT_TRUE(fs::create_directory(upper() / "d"));
    write_file(upper() / "d" / "b", std::string(70000, 'b'));

    const LayerFile layer = write_layer(upper(), out());

    const std::string bytes = cedana::testing::read_file(out());
    ASSERT_FALSE(bytes.empty());
    EXPECT_EQ(layer.size, static_cast<std::int64_t>(fs::file_size(out())));
    EXPECT_EQ(layer.size, static_cast<std::int64_t>(bytes.size()));
    EXPECT_EQ(layer.digest, "sha256:" + sha256_of(bytes));
    EXPECT_EQ(layer.digest.size(), std::string("sha256:").size() + 64);
}

TEST_F(OverlayLayerTest, RefusesToOverwriteAnExistingFile) {
    write_file(upper() / "a", "alpha");
    write_file(out(), "an earlier layer");

    EXPECT_THROW(write_layer(upper(), out()), cedana::Error);
    EXPECT_EQ(cedana::testing::read_file(out()), "an earlier layer") << "the existing file is left as it was";
}

::containerd::types::Mount mount_of(const std::string& type, const std::vector<std::string>& options) {
    ::containerd::types::Mount m;
    m.set_type(type);
    m.set_source(type);
    for (const auto& option : options) m.add_options(option);
    return m;
}

TEST(OverlayLayerUpperDir, ReturnsTheUpperdirOptionOfAnOverlayMount) {
    const std::vector<Mount> mounts = {mount_of("overlay", {"index=off", "workdir=/snap/9/work", "upperdir=/snap/9/fs", "lowerdir=/snap/1/fs:/snap/2/fs"})};
    EXPECT_EQ(upper_dir(mounts, "overlayfs"), fs::path("/snap/9/fs"));
}

TEST(OverlayLayerUpperDir, BindMountIsNotAnOverlaySnapshot) {
    const std::vector<Mount> mounts = {mount_of("bind", {"rbind", "rw", "upperdir=/not/an/overlay"})};
    try {
        upper_dir(mounts, "native");
        FAIL() << "upper_dir accepted a bind mount";
    } catch (const cedana::Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::failed_precondition);
        EXPECT_NE(std::string(e.what()).find("native"), std::string::npos) << "the message names the snapshotter: " << e.what();
    }
}

}  // namespace
}  // namespace cedana::plugins::containerd
