#include "daemon/call_guard.hpp"

#include <spdlog/spdlog.h>

namespace cedana::daemon {

namespace {

constexpr const char* kSetToken = "set CEDANA_AUTH_TOKEN (or connection.auth_token) to the daemon's token";

}  // namespace

CallGuard::CallGuard(const transport::ListenerSecurity& security, bool remote)
    : remote_(remote), client_certificates_(security.client_certificates), token_(security.token) {}

grpc::Status CallGuard::admit(const grpc::ServerContext& context, const char* what) const {
    if (!remote_) return grpc::Status::OK;
    std::string refusal;
    if (client_certificates_) {
        // TLS already refused a connection without a certificate its CA signed; this holds
        // should that configuration ever be loosened.
        const auto auth = context.auth_context();
        if (!auth || !auth->IsPeerAuthenticated()) {
            refusal = "this daemon requires a client certificate signed by its connection.tls_client_ca: pass --tls-cert and --tls-key";
        }
    }
    if (refusal.empty() && token_) {
        const auto& metadata = context.client_metadata();
        const auto it = metadata.find(transport::kAuthorizationKey);
        if (it == metadata.end()) {
            refusal = fmt::format("this daemon requires an auth token on every call: {}", kSetToken);
        } else if (!token_->accepts(std::string_view(it->second.data(), it->second.size()))) {
            refusal = fmt::format("the auth token is wrong: {}", kSetToken);
        }
    }
    if (refusal.empty()) return grpc::Status::OK;
    spdlog::warn("refused {} from {}: {}", what, context.peer(), refusal);
    return {grpc::StatusCode::UNAUTHENTICATED, refusal};
}

}  // namespace cedana::daemon
