#pragma once
// The gRPC service: turns each call into a request context, runs its chain, and maps
// errors and timings onto the gRPC status and trailers.

#include <nlohmann/json.hpp>

#include "cedana/daemon/v1/daemon.grpc.pb.h"

namespace cedana::daemon {

class Service final : public cedana::daemon::v1::Daemon::Service {
public:
    // `config` is the daemon's merged configuration (config::Loaded::json).
    explicit Service(nlohmann::json config) : config_(std::move(config)) {}

    grpc::Status HealthCheck(grpc::ServerContext* context, const cedana::daemon::v1::HealthCheckReq* request,
                             cedana::daemon::v1::HealthCheckResp* response) override;

private:
    nlohmann::json config_;
};

}  // namespace cedana::daemon
