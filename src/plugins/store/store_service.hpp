#pragma once
// The store's HTTP API, the file API that cedana's cedana:// client speaks:
//
//   PUT    /v2/files/{path}      -> {"url": U, "upload_id": …, "expires": T}: where to upload
//   GET    /v2/files/{path}      -> {"url": U, "size": N, "expires": T}, or 404
//   GET    /v2/files/dir/{path}  -> ["name", "folder/", …], or 404
//   DELETE /v2/files/{path}      -> 204, or 404 (ours: Cedana's API has no delete)
//
// each with "Authorization: Bearer <token>". The URLs handed out are signed (url_signer.hpp)
// and need no token: an upload URL takes the whole object in one PUT, or parts as PUTs with
// "Content-Range: bytes FIRST-LAST/*" in any order and then an empty PUT with
// "Content-Range: bytes */TOTAL" that publishes it (DELETE aborts); a download URL takes GET
// with or without a Range, and HEAD.

#include <cstdint>
#include <string>

#include "plugins/store/http_exchange.hpp"
#include "plugins/store/store_tree.hpp"
#include "plugins/store/upload_sessions.hpp"
#include "plugins/store/url_signer.hpp"
#include "transport/auth_token.hpp"

namespace cedana::plugins::store {

struct ServiceOptions {
    std::string public_url;  // "http://10.0.0.5:8080": what signed URLs begin with
    std::int64_t url_ttl_s = 3600;
};

class StoreService {
public:
    StoreService(const std::string& dir, const std::string& token, ServiceOptions options);

    // Answers one request; throws ClientGone when the client is gone.
    void handle(HttpExchange& exchange);

private:
    void route(HttpExchange& exchange);
    void list(HttpExchange& exchange);
    void files(HttpExchange& exchange);
    void upload(HttpExchange& exchange);
    void download(HttpExchange& exchange);
    [[nodiscard]] std::string signed_url(const std::string& kind, const Grant& grant) const;

    StoreTree tree_;
    transport::TokenCheck token_;
    ServiceOptions options_;
    UrlSigner signer_;
    UploadSessions uploads_;
};

}  // namespace cedana::plugins::store
