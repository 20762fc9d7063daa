#include "cli/client.hpp"

#include <mutex>
#include <vector>

#include <grpcpp/client_context.h>

#include "api/metadata.hpp"
#include "transport/auth_token.hpp"
#include "transport/channel.hpp"
#include "transport/listener_security.hpp"
#include "util/error.hpp"

namespace cedana::cli {

namespace v1 = cedana::daemon::v1;

namespace {

ErrorKind error_kind(grpc::StatusCode code) {
    switch (code) {
        case grpc::StatusCode::INVALID_ARGUMENT: return ErrorKind::invalid_argument;
        case grpc::StatusCode::NOT_FOUND: return ErrorKind::not_found;
        case grpc::StatusCode::FAILED_PRECONDITION: return ErrorKind::failed_precondition;
        case grpc::StatusCode::UNAVAILABLE: return ErrorKind::unavailable;
        case grpc::StatusCode::UNIMPLEMENTED: return ErrorKind::unimplemented;
        case grpc::StatusCode::UNAUTHENTICATED: return ErrorKind::unauthenticated;
        case grpc::StatusCode::PERMISSION_DENIED: return ErrorKind::permission_denied;
        default: return ErrorKind::internal;
    }
}

// The CLI ends with _Exit once its command is done (app.cpp), so a channel never needs
// closing; closing one waits on gRPC's threads for ~1-4 ms, which a command would pay after
// printing its result. Channels are therefore kept until the process ends, never destroyed.
std::shared_ptr<grpc::Channel> kept(std::shared_ptr<grpc::Channel> channel) {
    static std::mutex mutex;
    static auto* channels = new std::vector<std::shared_ptr<grpc::Channel>>();
    const std::lock_guard lock(mutex);
    channels->push_back(channel);
    return channel;
}

transport::ChannelSecurity channel_security(const config::Config& config) {
    const auto& c = config.connection;
    // A CA to trust, or a certificate to show, only makes sense over TLS.
    const bool tls = c.tls || !c.tls_ca.empty() || !c.tls_client_cert.empty();
    return {.tls = tls, .tls_files = {.ca = c.tls_ca, .cert = c.tls_client_cert, .key = c.tls_client_key}};
}

// The token goes where the kernel cannot name the caller; never unencrypted off this machine.
std::string authorization(const config::Config& config, const transport::Endpoint& endpoint, bool tls) {
    if (endpoint.protocol == transport::Protocol::unix_socket) return {};
    const std::string token = transport::load_token(config.connection.auth_token, config.connection.auth_token_file, false);
    if (token.empty()) return {};
    if (endpoint.protocol == transport::Protocol::tcp && !tls && !transport::is_loopback(endpoint.host)) {
        fail(ErrorKind::invalid_argument,
             "refusing to send the auth token unencrypted to {}, which is not a loopback address: connect with --tls (and --tls-ca "
             "FILE for a daemon whose certificate your system does not trust)",
             endpoint.display());
    }
    return transport::bearer(token);
}

}  // namespace

Client::Client(const config::Config& config, std::string override_json, bool profiling)
    : endpoint_(transport::parse_endpoint(config.address, config.protocol)),
      security_(channel_security(config)),
      authorization_(authorization(config, endpoint_, security_.tls)),
      override_json_(config::without_fixed_section(override_json)),
      profiling_(profiling),
      stub_(v1::Daemon::NewStub(kept(transport::connect(endpoint_, security_)))) {}

void Client::prepare(grpc::ClientContext& context) const {
    if (profiling_) context.AddMetadata(api::kProfilingKey, "1");
    if (!override_json_.empty()) context.AddMetadata(api::kConfigKey, override_json_);
    if (!authorization_.empty()) context.AddMetadata(transport::kAuthorizationKey, authorization_);
    if (!request_id_.empty()) context.AddMetadata(api::kRequestIdKey, request_id_);
}

template <typename Req, typename Resp, typename Method>
Resp Client::call(Method method, const Req& req) {
    grpc::ClientContext context;
    prepare(context);
    Resp resp;
    const grpc::Status status = ((*stub_).*method)(&context, req, &resp);
    profile_.reset();
    const auto& trailers = context.GetServerTrailingMetadata();
    if (const auto it = trailers.find(api::kProfileTrailer); it != trailers.end()) {
        v1::Profile profile;
        if (profile.ParseFromArray(it->second.data(), static_cast<int>(it->second.size()))) profile_ = std::move(profile);
    }
    transfer_.clear();
    if (const auto it = trailers.find(api::kTransferTrailer); it != trailers.end()) transfer_.assign(it->second.data(), it->second.size());
    check_status(status);
    return resp;
}

void Client::check_status(const grpc::Status& status) const {
    if (status.ok()) return;
    // The daemon's handlers never answer UNAVAILABLE: it means nothing answered at the address.
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
        throw Error(ErrorKind::unavailable, transport::unavailable_message(endpoint_, security_, status.error_message()));
    }
    throw Error(error_kind(status.error_code()), status.error_message());
}

v1::HealthCheckResp Client::health_check(const v1::HealthCheckReq& req) {
    return call<v1::HealthCheckReq, v1::HealthCheckResp>(&v1::Daemon::Stub::HealthCheck, req);
}

v1::DumpResp Client::dump(const v1::DumpReq& req) { return call<v1::DumpReq, v1::DumpResp>(&v1::Daemon::Stub::Dump, req); }

v1::RestoreResp Client::restore(const v1::RestoreReq& req) {
    return call<v1::RestoreReq, v1::RestoreResp>(&v1::Daemon::Stub::Restore, req);
}

v1::RunResp Client::run(const v1::RunReq& req) { return call<v1::RunReq, v1::RunResp>(&v1::Daemon::Stub::Run, req); }

v1::ManageResp Client::manage(const v1::ManageReq& req) {
    return call<v1::ManageReq, v1::ManageResp>(&v1::Daemon::Stub::Manage, req);
}

v1::ListJobsResp Client::list_jobs(const v1::ListJobsReq& req) {
    return call<v1::ListJobsReq, v1::ListJobsResp>(&v1::Daemon::Stub::ListJobs, req);
}

v1::KillJobsResp Client::kill_jobs(const v1::KillJobsReq& req) {
    return call<v1::KillJobsReq, v1::KillJobsResp>(&v1::Daemon::Stub::KillJobs, req);
}

v1::DeleteJobsResp Client::delete_jobs(const v1::DeleteJobsReq& req) {
    return call<v1::DeleteJobsReq, v1::DeleteJobsResp>(&v1::Daemon::Stub::DeleteJobs, req);
}

v1::ListCheckpointsResp Client::list_checkpoints(const v1::ListCheckpointsReq& req) {
    return call<v1::ListCheckpointsReq, v1::ListCheckpointsResp>(&v1::Daemon::Stub::ListCheckpoints, req);
}

v1::FreezeResp Client::freeze(const v1::FreezeReq& req) { return call<v1::FreezeReq, v1::FreezeResp>(&v1::Daemon::Stub::Freeze, req); }

v1::FreezeResp Client::unfreeze(const v1::FreezeReq& req) {
    return call<v1::FreezeReq, v1::FreezeResp>(&v1::Daemon::Stub::Unfreeze, req);
}

v1::QueryResp Client::query(const v1::QueryReq& req) { return call<v1::QueryReq, v1::QueryResp>(&v1::Daemon::Stub::Query, req); }

v1::MigrateResp Client::migrate(const v1::MigrateReq& req) { return call<v1::MigrateReq, v1::MigrateResp>(&v1::Daemon::Stub::Migrate, req); }

v1::ProgressResp Client::progress(const v1::ProgressReq& req) {
    return call<v1::ProgressReq, v1::ProgressResp>(&v1::Daemon::Stub::Progress, req);
}

std::unique_ptr<grpc::ClientWriter<v1::ReceiveJobReq>> Client::receive_job(grpc::ClientContext& context, v1::ReceiveJobResp& resp) {
    prepare(context);
    return stub_->ReceiveJob(&context, &resp);
}

std::unique_ptr<grpc::ClientReaderWriter<v1::AttachReq, v1::AttachResp>> Client::attach(grpc::ClientContext& context) {
    prepare(context);
    return stub_->Attach(&context);
}

}  // namespace cedana::cli
