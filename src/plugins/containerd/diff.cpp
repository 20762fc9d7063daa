#include "plugins/containerd/diff.hpp"

#include <grpcpp/grpcpp.h>

#include "github.com/containerd/containerd/api/services/diff/v1/diff.grpc.pb.h"
#include "plugins/containerd/call.hpp"

namespace cedana::plugins::containerd {

namespace diff = ::containerd::services::diff::v1;

void apply_layer(Client& client, const Blob& layer, const std::vector<Mount>& mounts) {
    Call call(client, kTaskDeadline);
    diff::ApplyRequest req;
    auto* desc = req.mutable_diff();
    desc->set_media_type(layer.media_type);
    desc->set_digest(layer.digest);
    desc->set_size(layer.size);
    for (const auto& m : mounts) *req.add_mounts() = m;
    diff::ApplyResponse resp;
    const auto status = diff::Diff::NewStub(client.channel())->Apply(&call.context, req, &resp);
    if (!status.ok()) failed(client, status, "apply layer " + layer.digest);
}

}  // namespace cedana::plugins::containerd
