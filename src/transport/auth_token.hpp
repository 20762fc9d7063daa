#pragma once
// The shared secret that authenticates calls over TCP and VSOCK, which carry no credentials
// of the caller: the CLI sends it as a bearer token in each call's metadata, the daemon
// compares it in constant time.

#include <array>
#include <string>
#include <string_view>

namespace cedana::transport {

// The metadata key the token travels in (gRPC metadata keys are lower case).
inline constexpr const char* kAuthorizationKey = "authorization";
// Shorter tokens are refused where the daemon starts: guessable over a network.
inline constexpr std::size_t kMinTokenLength = 16;

// The token from the configuration: `token` when set, else the first line of `file`.
// With `owner_only`, the daemon's case, the file must be a regular file that neither its
// group nor others may read or write; the CLI reads whatever its user may read. Empty when
// neither is set. Throws cedana::Error naming the file and what to do.
std::string load_token(const std::string& token, const std::string& file, bool owner_only);

// "Bearer <token>", the metadata value.
std::string bearer(std::string_view token);

// Whether an authorization value carries the expected token. Both sides are hashed and the
// digests compared with CRYPTO_memcmp, so neither the token's length nor how much of it a
// guess got right shows in the time a refusal takes.
class TokenCheck {
public:
    explicit TokenCheck(std::string_view token);
    [[nodiscard]] bool accepts(std::string_view authorization) const;

private:
    std::array<unsigned char, 32> digest_{};
};

}  // namespace cedana::transport
