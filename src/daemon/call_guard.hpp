#pragma once
// Who may make a call: checked by the service before it builds a request or runs any
// adapter, for every method. UNIX callers were admitted by the socket's mode and group and
// are named by the kernel; TCP and VSOCK callers must prove themselves on every call
// (transport/listener_security.hpp says with what).

#include <optional>

#include <grpcpp/server_context.h>
#include <grpcpp/support/status.h>

#include "transport/auth_token.hpp"
#include "transport/listener_security.hpp"

namespace cedana::daemon {

class CallGuard {
public:
    // A guard for the callers of a listener with this security; `remote` for TCP and VSOCK.
    CallGuard(const transport::ListenerSecurity& security, bool remote);

    // OK, or UNAUTHENTICATED saying what is missing; a refusal is logged with the peer's
    // address and the method.
    [[nodiscard]] grpc::Status admit(const grpc::ServerContext& context, const char* what) const;

private:
    bool remote_;
    bool client_certificates_;
    std::optional<transport::TokenCheck> token_;
};

}  // namespace cedana::daemon
