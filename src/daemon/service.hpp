#pragma once
// The gRPC service: turns each call into a request context, runs its chain, and maps
// errors and timings onto the gRPC status and trailers.

#include <nlohmann/json.hpp>

#include "cedana/daemon/v1/daemon.grpc.pb.h"
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/reaper.hpp"
#include "proc/tty_relay.hpp"

namespace cedana::daemon {

class Service final : public cedana::daemon::v1::Daemon::Service {
public:
    // `config` is the daemon's merged configuration (config::Loaded::json).
    explicit Service(nlohmann::json config) : config_(std::move(config)) {}

    grpc::Status HealthCheck(grpc::ServerContext* context, const cedana::daemon::v1::HealthCheckReq* request,
                             cedana::daemon::v1::HealthCheckResp* response) override;
    grpc::Status Dump(grpc::ServerContext* context, const cedana::daemon::v1::DumpReq* request,
                      cedana::daemon::v1::DumpResp* response) override;
    grpc::Status Restore(grpc::ServerContext* context, const cedana::daemon::v1::RestoreReq* request,
                         cedana::daemon::v1::RestoreResp* response) override;

private:
    template <typename Route>
    grpc::Status serve(grpc::ServerContext& context, const char* what, Route&& route);

    void keep_relay(std::unique_ptr<proc::TtyRelay> relay);

    nlohmann::json config_;
    Reaper reaper_;
    std::mutex relays_mutex_;
    std::vector<std::unique_ptr<proc::TtyRelay>> relays_;
};

}  // namespace cedana::daemon
