#pragma once
// The store's signed URLs: whoever holds one may do one thing (upload or download) to one
// path until it expires, without the store's token. The signature is an HMAC-SHA256 over
// what the URL allows, under a secret drawn at random when the store starts, so URLs die
// with the process that handed them out.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cedana::plugins::store {

// What a URL allows, and on what: "upload" of "ckpts/a.tar" under upload id "3f…".
struct Grant {
    std::string action;
    std::string path;
    std::string upload_id;  // empty for a download
    std::int64_t expires = 0;  // seconds since the epoch
};

enum class Verdict { valid, tampered, expired };

class UrlSigner {
public:
    using Secret = std::array<unsigned char, 32>;

    explicit UrlSigner(const Secret& secret) : secret_(secret) {}
    // A signer with a fresh random secret. Throws cedana::Error when no randomness is had.
    static UrlSigner random();

    // Lower-case hex.
    [[nodiscard]] std::string sign(const Grant& grant) const;
    [[nodiscard]] Verdict verify(const Grant& grant, std::string_view signature, std::int64_t now) const;

private:
    Secret secret_;
};

}  // namespace cedana::plugins::store
