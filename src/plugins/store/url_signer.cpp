#include "plugins/store/url_signer.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cedana::plugins::store {

UrlSigner UrlSigner::random() {
    Secret secret{};
    if (RAND_bytes(secret.data(), static_cast<int>(secret.size())) != 1) {
        fail(ErrorKind::internal, "cannot draw the secret that signs the store's URLs: OpenSSL has no randomness");
    }
    return UrlSigner(secret);
}

std::string UrlSigner::sign(const Grant& grant) const {
    // Each field on its own line: paths and ids hold no newline (store_path.cpp refuses
    // control characters), so no two grants sign the same text.
    const std::string text = fmt::format("{}\n{}\n{}\n{}", grant.action, grant.path, grant.upload_id, grant.expires);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
             digest, &length) == nullptr) {
        fail(ErrorKind::internal, "cannot sign a store URL: OpenSSL's HMAC failed");
    }
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
    return hex;
}

Verdict UrlSigner::verify(const Grant& grant, std::string_view signature, std::int64_t now) const {
    const std::string expected = sign(grant);
    if (signature.size() != expected.size() || CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) != 0) return Verdict::tampered;
    return now > grant.expires ? Verdict::expired : Verdict::valid;
}

}  // namespace cedana::plugins::store
