#pragma once
// The gRPC service: turns each call into a request context, runs its chain, and maps
// errors and timings onto the gRPC status and trailers.

#include <nlohmann/json.hpp>

#include "cedana/daemon/v1/daemon.grpc.pb.h"
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "daemon/call_guard.hpp"
#include "daemon/io_hub.hpp"
#include "daemon/reaper.hpp"
#include "jobs/store.hpp"
#include "proc/tty_relay.hpp"
#include "util/transfer_progress.hpp"

namespace cedana::daemon {

class Service final : public cedana::daemon::v1::Daemon::Service {
public:
    // `config` is the daemon's merged configuration (config::Loaded::json).
    Service(nlohmann::json config, jobs::Store& store, CallGuard guard)
        : config_(std::move(config)), store_(store), guard_(std::move(guard)) {}

    grpc::Status HealthCheck(grpc::ServerContext* context, const cedana::daemon::v1::HealthCheckReq* request,
                             cedana::daemon::v1::HealthCheckResp* response) override;
    grpc::Status Dump(grpc::ServerContext* context, const cedana::daemon::v1::DumpReq* request,
                      cedana::daemon::v1::DumpResp* response) override;
    grpc::Status Restore(grpc::ServerContext* context, const cedana::daemon::v1::RestoreReq* request,
                         cedana::daemon::v1::RestoreResp* response) override;
    grpc::Status Run(grpc::ServerContext* context, const cedana::daemon::v1::RunReq* request,
                     cedana::daemon::v1::RunResp* response) override;
    grpc::Status Manage(grpc::ServerContext* context, const cedana::daemon::v1::ManageReq* request,
                        cedana::daemon::v1::ManageResp* response) override;
    grpc::Status ListJobs(grpc::ServerContext* context, const cedana::daemon::v1::ListJobsReq* request,
                          cedana::daemon::v1::ListJobsResp* response) override;
    grpc::Status KillJobs(grpc::ServerContext* context, const cedana::daemon::v1::KillJobsReq* request,
                          cedana::daemon::v1::KillJobsResp* response) override;
    grpc::Status DeleteJobs(grpc::ServerContext* context, const cedana::daemon::v1::DeleteJobsReq* request,
                            cedana::daemon::v1::DeleteJobsResp* response) override;
    grpc::Status ListCheckpoints(grpc::ServerContext* context, const cedana::daemon::v1::ListCheckpointsReq* request,
                                 cedana::daemon::v1::ListCheckpointsResp* response) override;
    grpc::Status Freeze(grpc::ServerContext* context, const cedana::daemon::v1::FreezeReq* request,
                        cedana::daemon::v1::FreezeResp* response) override;
    grpc::Status Unfreeze(grpc::ServerContext* context, const cedana::daemon::v1::FreezeReq* request,
                          cedana::daemon::v1::FreezeResp* response) override;
    grpc::Status Query(grpc::ServerContext* context, const cedana::daemon::v1::QueryReq* request,
                       cedana::daemon::v1::QueryResp* response) override;
    grpc::Status Migrate(grpc::ServerContext* context, const cedana::daemon::v1::MigrateReq* request,
                         cedana::daemon::v1::MigrateResp* response) override;
    grpc::Status ReceiveJob(grpc::ServerContext* context, grpc::ServerReader<cedana::daemon::v1::ReceiveJobReq>* reader,
                            cedana::daemon::v1::ReceiveJobResp* response) override;
    grpc::Status Progress(grpc::ServerContext* context, const cedana::daemon::v1::ProgressReq* request,
                          cedana::daemon::v1::ProgressResp* response) override;
    grpc::Status Attach(grpc::ServerContext* context,
                        grpc::ServerReaderWriter<cedana::daemon::v1::AttachResp, cedana::daemon::v1::AttachReq>* stream) override;

private:
    template <typename Route>
    grpc::Status serve(grpc::ServerContext& context, const char* what, Route&& route);
    template <typename Req, typename Resp, typename Route>
    grpc::Status serve_route(grpc::ServerContext& context, const char* what, const Req& request, Resp& response, Route route);

    void keep_relay(std::unique_ptr<proc::TtyRelay> relay);
    void keep_hub(const std::string& jid, std::shared_ptr<IoHub> hub);
    void drop_hub(const std::string& jid);
    std::shared_ptr<IoHub> hub_of(const std::string& jid);

    // Records the exit status of the job whose process `pid` was.
    void job_ended(int pid, int status);

    nlohmann::json config_;
    jobs::Store& store_;
    CallGuard guard_;
    Reaper reaper_;
    std::mutex relays_mutex_;
    std::vector<std::unique_ptr<proc::TtyRelay>> relays_;
    std::mutex hubs_mutex_;
    std::map<std::string, std::shared_ptr<IoHub>> hubs_;
    // The transfers of running requests, by the id their CLI gave them.
    std::mutex transfers_mutex_;
    std::map<std::string, std::shared_ptr<util::TransferProgress>> transfers_;
};

}  // namespace cedana::daemon
