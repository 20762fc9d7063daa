#pragma once
// One HTTP request and its answer, as the store's routes see them: the server
// (http_server.cpp, the one file that knows Boost.Beast) reads the head, the route reads the
// body as it comes and answers, whole or streamed. Bodies are never held whole in memory.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cedana::plugins::store {

// The client went away, or the answer broke off after it began: nothing more can be said
// on this connection, which the server closes.
class ClientGone : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpExchange {
public:
    virtual ~HttpExchange() = default;

    [[nodiscard]] virtual std::string_view method() const = 0;
    // "/v2/files/a/b?x=1", as sent.
    [[nodiscard]] virtual std::string_view target() const = 0;
    // The header's value; empty when absent.
    [[nodiscard]] virtual std::string header(std::string_view name) const = 0;
    [[nodiscard]] virtual std::optional<std::uint64_t> content_length() const = 0;

    // Gives the body to `sink` in pieces as it arrives; throws ClientGone when the client
    // breaks off before its end. Each request is answered once: answering again throws
    // ClientGone.
    virtual void read_body(const std::function<void(std::string_view)>& sink) = 0;
    virtual void respond(int status, const Headers& headers, std::string body) = 0;
    // Sends a body of exactly `length` bytes, asking `produce` for them piece by piece: it
    // fills the buffer it is given, up to its size, and returns how much it wrote. With
    // `head_only` only the head goes out (HEAD).
    virtual void respond_streamed(int status, const Headers& headers, std::uint64_t length, bool head_only,
                                  const std::function<std::size_t(char* buffer, std::size_t size)>& produce) = 0;
};

}  // namespace cedana::plugins::store
