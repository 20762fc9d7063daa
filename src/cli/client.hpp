#pragma once
// The CLI's connection to the daemon: one method per RPC, with the friendly message when the
// daemon is not there and the profile the daemon sent back.

#include <memory>
#include <optional>
#include <string>

#include "cedana/daemon/v1/daemon.grpc.pb.h"
#include "config/config.hpp"
#include "transport/channel.hpp"
#include "transport/endpoint.hpp"

namespace cedana::cli {

class Client {
public:
    // `override_json` is the call's --config, forwarded so the daemon applies it too (but for
    // the connection settings, which are this side's own). Over TCP and VSOCK every call
    // carries the auth token of `config`; TLS as config.connection says.
    Client(const config::Config& config, std::string override_json, bool profiling);

    cedana::daemon::v1::HealthCheckResp health_check(const cedana::daemon::v1::HealthCheckReq& req);
    cedana::daemon::v1::DumpResp dump(const cedana::daemon::v1::DumpReq& req);
    cedana::daemon::v1::RestoreResp restore(const cedana::daemon::v1::RestoreReq& req);
    cedana::daemon::v1::RunResp run(const cedana::daemon::v1::RunReq& req);
    cedana::daemon::v1::ManageResp manage(const cedana::daemon::v1::ManageReq& req);
    cedana::daemon::v1::ListJobsResp list_jobs(const cedana::daemon::v1::ListJobsReq& req);
    cedana::daemon::v1::KillJobsResp kill_jobs(const cedana::daemon::v1::KillJobsReq& req);
    cedana::daemon::v1::DeleteJobsResp delete_jobs(const cedana::daemon::v1::DeleteJobsReq& req);
    cedana::daemon::v1::ListCheckpointsResp list_checkpoints(const cedana::daemon::v1::ListCheckpointsReq& req);
    cedana::daemon::v1::FreezeResp freeze(const cedana::daemon::v1::FreezeReq& req);
    cedana::daemon::v1::FreezeResp unfreeze(const cedana::daemon::v1::FreezeReq& req);
    cedana::daemon::v1::QueryResp query(const cedana::daemon::v1::QueryReq& req);
    cedana::daemon::v1::MigrateResp migrate(const cedana::daemon::v1::MigrateReq& req);
    cedana::daemon::v1::ProgressResp progress(const cedana::daemon::v1::ProgressReq& req);
    // The ReceiveJob stream (a daemon migrating a job to this one); `context` and `resp` must
    // outlive it. check_status() turns its Finish() into an error as every call does.
    std::unique_ptr<grpc::ClientWriter<cedana::daemon::v1::ReceiveJobReq>> receive_job(grpc::ClientContext& context,
                                                                                         cedana::daemon::v1::ReceiveJobResp& resp);
    void check_status(const grpc::Status& status) const;
    // The Attach stream; `context` must outlive it.
    std::unique_ptr<grpc::ClientReaderWriter<cedana::daemon::v1::AttachReq, cedana::daemon::v1::AttachResp>> attach(
        grpc::ClientContext& context);
    [[nodiscard]] const transport::Endpoint& endpoint() const { return endpoint_; }

    // The timings of the last call, when the daemon sent them.
    [[nodiscard]] const std::optional<cedana::daemon::v1::Profile>& profile() const { return profile_; }

    // Calls from now on carry this id, which Progress calls name (cli/progress_display.hpp).
    void set_request_id(std::string id) { request_id_ = std::move(id); }
    // What the last call moved, when it moved anything: "WHAT\tBYTES\tMILLISECONDS".
    [[nodiscard]] const std::string& transfer() const { return transfer_; }

private:
    template <typename Req, typename Resp, typename Method>
    Resp call(Method method, const Req& req);

    // Adds what every call sends along: --config, the profiling wish, the token.
    void prepare(grpc::ClientContext& context) const;

    transport::Endpoint endpoint_;
    transport::ChannelSecurity security_;
    std::string authorization_;  // "Bearer <token>", or empty
    std::string override_json_;
    bool profiling_;
    std::unique_ptr<cedana::daemon::v1::Daemon::Stub> stub_;
    std::optional<cedana::daemon::v1::Profile> profile_;
    std::string request_id_;
    std::string transfer_;
};

}  // namespace cedana::cli
