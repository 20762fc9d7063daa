#pragma once
// gRPC's TLS credentials from PEM files named in the configuration, read here so that a
// missing or unreadable file is named before gRPC gets to fail on it less clearly.

#include <memory>
#include <string>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

namespace cedana::transport {

struct ServerTlsFiles {
    std::string cert;       // connection.tls_cert
    std::string key;        // connection.tls_key
    std::string client_ca;  // connection.tls_client_ca; set: clients must show a certificate it signed
};

struct ClientTlsFiles {
    std::string ca;    // connection.tls_ca / --tls-ca; empty: gRPC's default roots
    std::string cert;  // connection.tls_client_cert / --tls-cert, for mutual TLS
    std::string key;   // connection.tls_client_key / --tls-key
};

// Throw cedana::Error(invalid_argument) naming the file that cannot be read.
std::shared_ptr<grpc::ServerCredentials> server_tls_credentials(const ServerTlsFiles& files);
std::shared_ptr<grpc::ChannelCredentials> client_tls_credentials(const ClientTlsFiles& files);

}  // namespace cedana::transport
