#pragma once
// Reading part of a remote object with ranged GETs, resumed from the byte where a dropped
// connection broke off: the download half of every HTTP storage provider.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "net/http_request.hpp"
#include "storage/object_store.hpp"

namespace cedana::storage {

struct RangedGet {
    std::string url;    // the object, for messages: "s3://bucket/key"
    std::string where;  // the server, for messages
    // One GET of bytes [first, last] giving the body to `on_body`; throws
    // cedana::Error(unavailable) when no answer came.
    std::function<net::HttpResponse(std::uint64_t first, std::uint64_t last, const std::function<void(std::string_view)>& on_body)> get;
    // Throws the error of an answer that a retry cannot fix (403, 404, …).
    std::function<void(const net::HttpResponse&)> refuse;
    // What a retryable answer (5xx, 429) said, for the message when retries run out.
    std::function<std::string(const net::HttpResponse&)> describe;
};

// Bytes [offset, offset + length) to `sink`. Gives up after kStalledResumes attempts in a
// row that brought nothing; an object that ends early is an error, not a retry.
void read_resumed(const RangedGet& source, std::uint64_t offset, std::uint64_t length, const ObjectStore::Sink& sink);

inline constexpr int kStalledResumes = 4;

}  // namespace cedana::storage
