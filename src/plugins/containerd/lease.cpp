#include "plugins/containerd/lease.hpp"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include <fmt/chrono.h>
#include <spdlog/spdlog.h>

#include "github.com/containerd/containerd/api/services/leases/v1/leases.grpc.pb.h"
#include "plugins/containerd/call.hpp"
#include "util/uuid.hpp"

namespace cedana::plugins::containerd {

namespace leases = ::containerd::services::leases::v1;

Lease::Lease(Client& client) : client_(client), id_("cedana-" + util::new_uuid()) {
    Call call(client_);
    leases::CreateRequest req;
    req.set_id(id_);
    const auto expiry = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() + std::chrono::hours(1));
    (*req.mutable_labels())["containerd.io/gc.expire"] = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", expiry);
    leases::CreateResponse resp;
    const auto status = leases::Leases::NewStub(client_.channel())->Create(&call.context, req, &resp);
    if (!status.ok()) failed(client_, status, "create a lease");
    client_.set_lease(id_);
}

Lease::~Lease() {
    client_.set_lease("");
    Call call(client_);
    leases::DeleteRequest req;
    req.set_id(id_);
    // What only the lease held goes now, not at the collector's next run.
    req.set_sync(true);
    google::protobuf::Empty resp;
    const auto status = leases::Leases::NewStub(client_.channel())->Delete(&call.context, req, &resp);
    if (!status.ok()) spdlog::warn("containerd: cannot delete lease {} (it expires by itself): {}", id_, status.error_message());
}

}  // namespace cedana::plugins::containerd
