#include "transport/endpoint.hpp"

#include <charconv>
#include <filesystem>

#include <fmt/format.h>

#include "util/error.hpp"

namespace cedana::transport {

namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::uint16_t parse_port(std::string_view text, const std::string& address) {
    unsigned port = 0;
    if (!parse_number(text, port) || port == 0 || port > 65535) {
        fail(ErrorKind::invalid_argument, "invalid address {}: port must be a number from 1 to 65535", address);
    }
    return static_cast<std::uint16_t>(port);
}

}  // namespace

std::string Endpoint::display() const {
    switch (protocol) {
        case Protocol::unix_socket: return path;
        case Protocol::tcp: return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
        case Protocol::vsock: return fmt::format("{}:{}", cid, port);
    }
    return "";
}

std::string Endpoint::grpc_uri() const {
    switch (protocol) {
        case Protocol::unix_socket: return "unix:" + path;
        case Protocol::tcp: return display();
        case Protocol::vsock: break;
    }
    throw std::logic_error("vsock endpoints are connected by hand, not by URI");
}

Endpoint parse_endpoint(const std::string& address, const std::string& protocol) {
    Endpoint ep;
    if (protocol == "unix") {
        if (address.empty()) fail(ErrorKind::invalid_argument, "invalid address: a UNIX socket path is required");
        ep.protocol = Protocol::unix_socket;
        ep.path = std::filesystem::absolute(address).lexically_normal().string();
        return ep;
    }
    if (protocol == "tcp") {
        ep.protocol = Protocol::tcp;
        const auto colon = address.rfind(':');
        if (colon == std::string::npos || colon == 0) {
            fail(ErrorKind::invalid_argument, "invalid address {} for tcp: expected host:port, e.g. 127.0.0.1:8080", address);
        }
        std::string host = address.substr(0, colon);
        if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        if (host.empty()) fail(ErrorKind::invalid_argument, "invalid address {} for tcp: the host is empty", address);
        ep.host = host;
        ep.port = parse_port(std::string_view(address).substr(colon + 1), address);
        return ep;
    }
    if (protocol == "vsock") {
        ep.protocol = Protocol::vsock;
        const auto colon = address.find(':');
        if (colon == std::string::npos || !parse_number(std::string_view(address).substr(0, colon), ep.cid)) {
            fail(ErrorKind::invalid_argument, "invalid address {} for vsock: expected cid:port, e.g. 3:9999", address);
        }
        ep.port = parse_port(std::string_view(address).substr(colon + 1), address);
        return ep;
    }
    fail(ErrorKind::invalid_argument, "unknown protocol {}: expected unix, tcp or vsock", protocol);
}

}  // namespace cedana::transport
