#include "transport/auth_token.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::transport {

namespace {

constexpr std::string_view kScheme = "Bearer ";
// A token is a line of text, not a document.
constexpr std::size_t kMaxTokenFile = 4096;

std::array<unsigned char, 32> sha256(std::string_view text) {
    std::array<unsigned char, 32> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    return digest;
}

std::string read_token_file(const std::string& file, bool owner_only) {
    const util::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) fail(ErrorKind::invalid_argument, "connection.auth_token_file {}: cannot be read: {}", file, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) fail(ErrorKind::internal, "connection.auth_token_file {}: {}", file, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) fail(ErrorKind::invalid_argument, "connection.auth_token_file {}: not a regular file", file);
    if (owner_only && (st.st_mode & 077) != 0) {
        fail(ErrorKind::invalid_argument,
             "connection.auth_token_file {}: its group or others may access it (mode {:o}); make it readable by its owner only: "
             "chmod 600 {}",
             file, st.st_mode & 0777, file);
    }
    if (owner_only && st.st_uid != ::geteuid()) {
        fail(ErrorKind::invalid_argument, "connection.auth_token_file {}: owned by uid {}, not by the daemon's user (uid {}); chown it",
             file, st.st_uid, ::geteuid());
    }
    std::string text(kMaxTokenFile, '\0');
    std::size_t size = 0;
    while (size < text.size()) {
        const ssize_t n = ::read(fd.get(), text.data() + size, text.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(ErrorKind::invalid_argument, "connection.auth_token_file {}: {}", file, std::strerror(errno));
        if (n == 0) break;
        size += static_cast<std::size_t>(n);
    }
    text.resize(size);
    text = text.substr(0, text.find('\n'));
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) fail(ErrorKind::invalid_argument, "connection.auth_token_file {}: its first line is empty", file);
    return text;
}

}  // namespace

std::string load_token(const std::string& token, const std::string& file, bool owner_only) {
    if (!token.empty()) return token;
    if (file.empty()) return {};
    return read_token_file(file, owner_only);
}

std::string bearer(std::string_view token) { return std::string(kScheme) + std::string(token); }

TokenCheck::TokenCheck(std::string_view token) : digest_(sha256(token)) {}

bool TokenCheck::accepts(std::string_view authorization) const {
    if (!authorization.starts_with(kScheme)) return false;
    const auto presented = sha256(authorization.substr(kScheme.size()));
    return CRYPTO_memcmp(presented.data(), digest_.data(), digest_.size()) == 0;
}

}  // namespace cedana::transport
