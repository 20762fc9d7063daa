#include "transport/tls_credentials.hpp"

#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace cedana::transport {

namespace {

std::string read_pem(const std::string& path, const char* field) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(ErrorKind::invalid_argument, "{} {}: cannot be read", field, path);
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("-----BEGIN ") == std::string::npos) {
        fail(ErrorKind::invalid_argument, "{} {}: not a PEM file (expected -----BEGIN ...-----)", field, path);
    }
    return text.str();
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> server_tls_credentials(const ServerTlsFiles& files) {
    if (files.cert.empty() || files.key.empty()) {
        fail(ErrorKind::invalid_argument, "TLS needs both connection.tls_cert and connection.tls_key");
    }
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back(
        {read_pem(files.key, "connection.tls_key"), read_pem(files.cert, "connection.tls_cert")});
    if (!files.client_ca.empty()) {
        options.pem_root_certs = read_pem(files.client_ca, "connection.tls_client_ca");
        options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> client_tls_credentials(const ClientTlsFiles& files) {
    if (files.cert.empty() != files.key.empty()) {
        fail(ErrorKind::invalid_argument, "a client certificate needs both --tls-cert and --tls-key (connection.tls_client_cert, "
                                          "connection.tls_client_key)");
    }
    grpc::SslCredentialsOptions options;
    if (!files.ca.empty()) options.pem_root_certs = read_pem(files.ca, "--tls-ca");
    if (!files.cert.empty()) {
        options.pem_cert_chain = read_pem(files.cert, "--tls-cert");
        options.pem_private_key = read_pem(files.key, "--tls-key");
    }
    return grpc::SslCredentials(options);
}

}  // namespace cedana::transport
