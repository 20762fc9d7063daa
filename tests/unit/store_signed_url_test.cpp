#include <gtest/gtest.h>

#include "plugins/store/url_signer.hpp"

namespace cedana::plugins::store {
namespace {

const UrlSigner::Secret kSecret{1, 2, 3, 4, 5, 6, 7, 8};
const Grant kUpload{.action = "upload", .path = "ckpts/a.tar", .upload_id = "u1", .expires = 1000};

TEST(StoreUrlSigner, AcceptsItsOwnSignatureUntilItExpires) {
    const UrlSigner signer(kSecret);
    const std::string sig = signer.sign(kUpload);
    EXPECT_EQ(sig.size(), 64u);
    EXPECT_EQ(signer.verify(kUpload, sig, 999), Verdict::valid);
    EXPECT_EQ(signer.verify(kUpload, sig, 1000), Verdict::valid);
    EXPECT_EQ(signer.verify(kUpload, sig, 1001), Verdict::expired);
}

TEST(StoreUrlSigner, RefusesASignatureForAnythingElse) {
    const UrlSigner signer(kSecret);
    const std::string sig = signer.sign(kUpload);
    Grant other = kUpload;
    other.action = "download";
    EXPECT_EQ(signer.verify(other, sig, 0), Verdict::tampered);
    other = kUpload;
    other.path = "ckpts/b.tar";
    EXPECT_EQ(signer.verify(other, sig, 0), Verdict::tampered);
    other = kUpload;
    other.upload_id = "u2";
    EXPECT_EQ(signer.verify(other, sig, 0), Verdict::tampered);
    other = kUpload;
    other.expires = 100000;  // a later expiry written into the URL by hand
    EXPECT_EQ(signer.verify(other, sig, 0), Verdict::tampered);
    std::string flipped = sig;
    flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
    EXPECT_EQ(signer.verify(kUpload, flipped, 0), Verdict::tampered);
    EXPECT_EQ(signer.verify(kUpload, sig.substr(0, 63), 0), Verdict::tampered);
    EXPECT_EQ(signer.verify(kUpload, "", 0), Verdict::tampered);
}

TEST(StoreUrlSigner, FieldsCannotBeShiftedIntoOneAnother) {
    const UrlSigner signer(kSecret);
    const Grant a{.action = "upload", .path = "a", .upload_id = "bc", .expires = 1};
    const Grant b{.action = "upload", .path = "ab", .upload_id = "c", .expires = 1};
    EXPECT_NE(signer.sign(a), signer.sign(b));
}

TEST(StoreUrlSigner, AnotherSecretSignsDifferently) {
    const UrlSigner first = UrlSigner::random();
    const UrlSigner second = UrlSigner::random();
    EXPECT_NE(first.sign(kUpload), second.sign(kUpload));
    EXPECT_EQ(second.verify(kUpload, first.sign(kUpload), 0), Verdict::tampered);
}

}  // namespace
}  // namespace cedana::plugins::store
