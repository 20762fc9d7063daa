#include <gtest/gtest.h>

#include <grpcpp/server_context.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include "daemon/call_guard.hpp"
#include "transport/auth_token.hpp"

namespace cedana::daemon {
namespace {

constexpr const char* kToken = "0123456789abcdef0123456789abcdef";

transport::ListenerSecurity with_token() {
    transport::ListenerSecurity security;
    security.token.emplace(kToken);
    return security;
}

TEST(CallGuard, ARemoteCallWithoutTheTokenIsUnauthenticated) {
    const CallGuard guard(with_token(), true);
    grpc::ServerContext context;
    const auto status = guard.admit(context, "dump");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_NE(status.error_message().find("requires an auth token"), std::string::npos) << status.error_message();
}

TEST(CallGuard, ARemoteCallWithAWrongTokenIsUnauthenticated) {
    const CallGuard guard(with_token(), true);
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    spouse.AddClientMetadata(transport::kAuthorizationKey, transport::bearer("0123456789abcdef0123456789abcdeX"));
    const auto status = guard.admit(context, "dump");
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_NE(status.error_message().find("the auth token is wrong"), std::string::npos) << status.error_message();
}

TEST(CallGuard, ARemoteCallWithTheTokenIsAdmitted) {
    const CallGuard guard(with_token(), true);
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    spouse.AddClientMetadata(transport::kAuthorizationKey, transport::bearer(kToken));
    EXPECT_TRUE(guard.admit(context, "dump").ok());
}

TEST(CallGuard, UnixCallersAreLeftToTheSocketsModeAndTheKernel) {
    const CallGuard guard(transport::ListenerSecurity{}, false);
    grpc::ServerContext context;
    EXPECT_TRUE(guard.admit(context, "dump").ok());
}

}  // namespace
}  // namespace cedana::daemon
