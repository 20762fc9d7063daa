#include <gtest/gtest.h>

#include <string>

#include "transport/listener_security.hpp"
#include "util/error.hpp"

namespace cedana::transport {
namespace {

constexpr const char* kToken = "0123456789abcdef0123456789abcdef";

Endpoint tcp(const std::string& address) { return parse_endpoint(address, "tcp"); }

std::string refusal(const Endpoint& endpoint, const config::Config::Connection& connection) {
    try {
        plan_listener_security(endpoint, connection);
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
        return e.what();
    }
    ADD_FAILURE() << "expected " << endpoint.display() << " to be refused";
    return {};
}

bool says(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(IsLoopback, OnlyAddressesNoOtherMachineReaches) {
    for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "localhost"}) EXPECT_TRUE(is_loopback(host)) << host;
    for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "128.0.0.1", "::ffff:10.0.0.1", "example.com", ""}) {
        EXPECT_FALSE(is_loopback(host)) << host;
    }
}

TEST(ListenerSecurity, UnixNeedsNothing) {
    const auto plan = plan_listener_security(parse_endpoint("/run/x.sock", "unix"), {});
    EXPECT_FALSE(plan.tls);
    EXPECT_FALSE(plan.token.has_value());
}

TEST(ListenerSecurity, TcpWithoutAnyCredentialIsRefused) {
    const auto msg = refusal(tcp("127.0.0.1:8080"), {});
    EXPECT_TRUE(says(msg, "authenticates every call")) << msg;
    EXPECT_TRUE(says(msg, "CEDANA_AUTH_TOKEN")) << msg;
}

TEST(ListenerSecurity, LoopbackTcpMayUseTheTokenWithoutTls) {
    config::Config::Connection c;
    c.auth_token = kToken;
    const auto plan = plan_listener_security(tcp("127.0.0.1:8080"), c);
    EXPECT_FALSE(plan.tls);
    ASSERT_TRUE(plan.token.has_value());
    EXPECT_TRUE(plan.token->accepts(bearer(kToken)));
}

TEST(ListenerSecurity, AShortTokenIsRefused) {
    config::Config::Connection c;
    c.auth_token = "short";
    EXPECT_TRUE(says(refusal(tcp("127.0.0.1:8080"), c), "at least 16"));
}

TEST(ListenerSecurity, AnyOtherAddressNeedsTls) {
    config::Config::Connection c;
    c.auth_token = kToken;
    for (const char* address : {"0.0.0.0:8080", "10.1.2.3:8080", "[::]:8080"}) {
        const auto msg = refusal(tcp(address), c);
        EXPECT_TRUE(says(msg, "without TLS")) << msg;
        EXPECT_TRUE(says(msg, "connection.tls_cert")) << msg;
    }
    c.tls_cert = "/etc/cedana/server.crt";
    c.tls_key = "/etc/cedana/server.key";
    const auto plan = plan_listener_security(tcp("0.0.0.0:8080"), c);
    EXPECT_TRUE(plan.tls);
    EXPECT_FALSE(plan.client_certificates);
    EXPECT_EQ(plan.tls_files.cert, "/etc/cedana/server.crt");
}

TEST(ListenerSecurity, TlsNeedsBothCertificateAndKey) {
    config::Config::Connection c;
    c.auth_token = kToken;
    c.tls_cert = "/etc/cedana/server.crt";
    EXPECT_TRUE(says(refusal(tcp("127.0.0.1:8080"), c), "connection.tls_key"));
}

TEST(ListenerSecurity, ClientCertificatesAloneAuthenticateButNeedTls) {
    config::Config::Connection c;
    c.tls_client_ca = "/etc/cedana/clients-ca.crt";
    EXPECT_TRUE(says(refusal(tcp("127.0.0.1:8080"), c), "need TLS"));
    c.tls_cert = "/etc/cedana/server.crt";
    c.tls_key = "/etc/cedana/server.key";
    const auto plan = plan_listener_security(tcp("0.0.0.0:8080"), c);
    EXPECT_TRUE(plan.tls);
    EXPECT_TRUE(plan.client_certificates);
    EXPECT_FALSE(plan.token.has_value());
    EXPECT_EQ(plan.tls_files.client_ca, "/etc/cedana/clients-ca.crt");
}

TEST(ListenerSecurity, VsockNeedsTheToken) {
    EXPECT_TRUE(says(refusal(parse_endpoint("3:9999", "vsock"), {}), "vsock daemon authenticates every call"));
    config::Config::Connection c;
    c.auth_token = kToken;
    EXPECT_TRUE(plan_listener_security(parse_endpoint("3:9999", "vsock"), c).token.has_value());
}

}  // namespace
}  // namespace cedana::transport
