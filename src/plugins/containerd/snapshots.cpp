#include "plugins/containerd/snapshots.hpp"

#include <grpcpp/grpcpp.h>

#include "github.com/containerd/containerd/api/services/snapshots/v1/snapshots.grpc.pb.h"
#include "plugins/containerd/call.hpp"
#include "util/error.hpp"

namespace cedana::plugins::containerd {

namespace snapshots = ::containerd::services::snapshots::v1;

bool snapshot_exists(Client& client, const std::string& snapshotter, const std::string& key) {
    Call call(client);
    snapshots::StatSnapshotRequest req;
    req.set_snapshotter(snapshotter);
    req.set_key(key);
    snapshots::StatSnapshotResponse resp;
    const auto status = snapshots::Snapshots::NewStub(client.channel())->Stat(&call.context, req, &resp);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
    if (!status.ok()) failed(client, status, "snapshot " + key + " of " + snapshotter);
    return true;
}

std::vector<Mount> prepare_snapshot(Client& client, const std::string& snapshotter, const std::string& key, const std::string& parent) {
    Call call(client);
    snapshots::PrepareSnapshotRequest req;
    req.set_snapshotter(snapshotter);
    req.set_key(key);
    req.set_parent(parent);
    snapshots::PrepareSnapshotResponse resp;
    const auto status = snapshots::Snapshots::NewStub(client.channel())->Prepare(&call.context, req, &resp);
    if (!status.ok()) failed(client, status, "prepare snapshot " + key + " of " + snapshotter);
    return {resp.mounts().begin(), resp.mounts().end()};
}

std::vector<Mount> snapshot_mounts(Client& client, const std::string& snapshotter, const std::string& key) {
    Call call(client);
    snapshots::MountsRequest req;
    req.set_snapshotter(snapshotter);
    req.set_key(key);
    snapshots::MountsResponse resp;
    const auto status = snapshots::Snapshots::NewStub(client.channel())->Mounts(&call.context, req, &resp);
    if (!status.ok()) failed(client, status, "mounts of snapshot " + key + " of " + snapshotter);
    return {resp.mounts().begin(), resp.mounts().end()};
}

bool commit_snapshot(Client& client, const std::string& snapshotter, const std::string& name, const std::string& key) {
    Call call(client);
    snapshots::CommitSnapshotRequest req;
    req.set_snapshotter(snapshotter);
    req.set_name(name);
    req.set_key(key);
    google::protobuf::Empty resp;
    const auto status = snapshots::Snapshots::NewStub(client.channel())->Commit(&call.context, req, &resp);
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
        remove_snapshot(client, snapshotter, key);
        return false;
    }
    if (!status.ok()) failed(client, status, "commit snapshot " + key + " as " + name);
    return true;
}

void remove_snapshot(Client& client, const std::string& snapshotter, const std::string& key) {
    Call call(client);
    snapshots::RemoveSnapshotRequest req;
    req.set_snapshotter(snapshotter);
    req.set_key(key);
    google::protobuf::Empty resp;
    const auto status = snapshots::Snapshots::NewStub(client.channel())->Remove(&call.context, req, &resp);
    if (!status.ok() && status.error_code() != grpc::StatusCode::NOT_FOUND) failed(client, status, "remove snapshot " + key);
}

}  // namespace cedana::plugins::containerd
