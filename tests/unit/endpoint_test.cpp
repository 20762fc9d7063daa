#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "transport/endpoint.hpp"
#include "util/error.hpp"

namespace cedana::transport {
namespace {

// Expects parse_endpoint to fail with invalid_argument and returns the message.
std::string parse_error(const std::string& address, const std::string& protocol) {
    try {
        const Endpoint ep = parse_endpoint(address, protocol);
        ADD_FAILURE() << "parse_endpoint(\"" << address << "\", \"" << protocol << "\") succeeded: " << ep.display();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::invalid_argument) << e.what();
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---------------------------------------------------------------------------------------------
// unix

TEST(EndpointUnix, AbsolutePathIsKept) {
    const Endpoint ep = parse_endpoint("/run/cedana.sock", "unix");
    EXPECT_EQ(ep.protocol, Protocol::unix_socket);
    EXPECT_EQ(ep.path, "/run/cedana.sock");
    EXPECT_EQ(ep.display(), "/run/cedana.sock");
    EXPECT_EQ(ep.grpc_uri(), "unix:/run/cedana.sock");
}

TEST(EndpointUnix, RelativePathBecomesAbsolute) {
    const Endpoint ep = parse_endpoint("sockets/cedana.sock", "unix");
    const std::filesystem::path expected = std::filesystem::current_path() / "sockets" / "cedana.sock";
    EXPECT_TRUE(std::filesystem::path(ep.path).is_absolute()) << ep.path;
    EXPECT_EQ(ep.path, expected.lexically_normal().string());
    EXPECT_EQ(ep.grpc_uri(), "unix:" + ep.path);
}

TEST(EndpointUnix, PathIsNormalised) {
    const Endpoint ep = parse_endpoint("/run/./x/../cedana.sock", "unix");
    EXPECT_EQ(ep.path, "/run/cedana.sock");
}

TEST(EndpointUnix, EmptyPathIsAnError) {
    const std::string msg = parse_error("", "unix");
    EXPECT_TRUE(contains(msg, "path")) << msg;
}

// ---------------------------------------------------------------------------------------------
// tcp

TEST(EndpointTcp, HostAndPort) {
    const Endpoint ep = parse_endpoint("127.0.0.1:8080", "tcp");
    EXPECT_EQ(ep.protocol, Protocol::tcp);
    EXPECT_EQ(ep.host, "127.0.0.1");
    EXPECT_EQ(ep.port, 8080);
    EXPECT_EQ(ep.display(), "127.0.0.1:8080");
    EXPECT_EQ(ep.grpc_uri(), "127.0.0.1:8080");
}

TEST(EndpointTcp, HostName) {
    const Endpoint ep = parse_endpoint("localhost:1", "tcp");
    EXPECT_EQ(ep.host, "localhost");
    EXPECT_EQ(ep.port, 1);
}

TEST(EndpointTcp, BracketedIpv6) {
    const Endpoint ep = parse_endpoint("[::1]:9000", "tcp");
    EXPECT_EQ(ep.host, "::1");
    EXPECT_EQ(ep.port, 9000);
    // Shown and connected to with the brackets again.
    EXPECT_EQ(ep.display(), "[::1]:9000");
    EXPECT_EQ(ep.grpc_uri(), "[::1]:9000");
}

TEST(EndpointTcp, HighestPort) {
    EXPECT_EQ(parse_endpoint("h:65535", "tcp").port, 65535);
}

TEST(EndpointTcp, MissingPortIsAnError) {
    const std::string msg = parse_error("127.0.0.1", "tcp");
    EXPECT_TRUE(contains(msg, "127.0.0.1")) << msg;
    EXPECT_TRUE(contains(msg, "host:port")) << msg;
}

TEST(EndpointTcp, EmptyPortIsAnError) {
    const std::string msg = parse_error("127.0.0.1:", "tcp");
    EXPECT_TRUE(contains(msg, "port")) << msg;
}

TEST(EndpointTcp, MissingHostIsAnError) {
    const std::string msg = parse_error(":8080", "tcp");
    EXPECT_TRUE(contains(msg, ":8080")) << msg;
}

TEST(EndpointTcp, EmptyBracketedHostIsAnError) {
    // Like ":8080", "[]:8080" names no host at all.
    parse_error("[]:8080", "tcp");
}

TEST(EndpointTcp, PortZeroIsAnError) {
    const std::string msg = parse_error("127.0.0.1:0", "tcp");
    EXPECT_TRUE(contains(msg, "127.0.0.1:0")) << msg;
    EXPECT_TRUE(contains(msg, "1 to 65535")) << msg;
}

TEST(EndpointTcp, PortOutOfRangeIsAnError) {
    EXPECT_TRUE(contains(parse_error("127.0.0.1:70000", "tcp"), "1 to 65535"));
    EXPECT_TRUE(contains(parse_error("127.0.0.1:65536", "tcp"), "1 to 65535"));
    EXPECT_TRUE(contains(parse_error("127.0.0.1:99999999999999999999", "tcp"), "1 to 65535"));
}

TEST(EndpointTcp, NonNumericPortIsAnError) {
    EXPECT_TRUE(contains(parse_error("127.0.0.1:http", "tcp"), "port"));
    EXPECT_TRUE(contains(parse_error("127.0.0.1:80x", "tcp"), "port"));
    EXPECT_TRUE(contains(parse_error("127.0.0.1:-80", "tcp"), "port"));
    EXPECT_TRUE(contains(parse_error("127.0.0.1: 80", "tcp"), "port"));
}

// ---------------------------------------------------------------------------------------------
// vsock

TEST(EndpointVsock, CidAndPort) {
    const Endpoint ep = parse_endpoint("3:9999", "vsock");
    EXPECT_EQ(ep.protocol, Protocol::vsock);
    EXPECT_EQ(ep.cid, 3U);
    EXPECT_EQ(ep.port, 9999);
    EXPECT_EQ(ep.display(), "3:9999");
}

TEST(EndpointVsock, GrpcUriIsALogicError) {
    const Endpoint ep = parse_endpoint("3:9999", "vsock");
    EXPECT_THROW((void)ep.grpc_uri(), std::logic_error);
}

TEST(EndpointVsock, Errors) {
    EXPECT_TRUE(contains(parse_error("3", "vsock"), "cid:port"));
    EXPECT_TRUE(contains(parse_error("x:9999", "vsock"), "cid:port"));
    EXPECT_TRUE(contains(parse_error(":9999", "vsock"), "cid:port"));
    EXPECT_TRUE(contains(parse_error("-3:9999", "vsock"), "cid:port"));
    EXPECT_TRUE(contains(parse_error("3:", "vsock"), "1 to 65535"));
    EXPECT_TRUE(contains(parse_error("3:0", "vsock"), "1 to 65535"));
    EXPECT_TRUE(contains(parse_error("3:70000", "vsock"), "1 to 65535"));
    EXPECT_TRUE(contains(parse_error("3:port", "vsock"), "1 to 65535"));
    EXPECT_TRUE(contains(parse_error("3:9999:1", "vsock"), "1 to 65535"));
}

// ---------------------------------------------------------------------------------------------
// protocol

TEST(Endpoint, UnknownProtocolIsAnError) {
    const std::string msg = parse_error("/run/cedana.sock", "http");
    EXPECT_TRUE(contains(msg, "http")) << msg;
    EXPECT_TRUE(contains(msg, "unix, tcp or vsock")) << msg;
    EXPECT_FALSE(parse_error("/run/cedana.sock", "").empty());
}

}  // namespace
}  // namespace cedana::transport
