#pragma once
// What the steps of one dump share: the core's (staging, packing, metadata) and those a
// workload's plugin adds (kinds.hpp), which find the target and hand CRIU its options.

#include <any>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cedana/daemon/v1/daemon.pb.h"
#include "daemon/request_context.hpp"
#include "daemon/work_journal.hpp"
#include "images/compression.hpp"
#include "images/metadata.hpp"
#include "images/shards/shard_set.hpp"
#include "images/staging.hpp"
#include "images/streamed_archive.hpp"
#include "jobs/store.hpp"
#include "pipeline/chain.hpp"
#include "storage/object_store.hpp"
#include "util/unique_fd.hpp"
#include "proc/process_info.hpp"

namespace cedana::daemon {

// What the adapters of one dump learn and hand on; lives for the request.
struct DumpState {
    images::Compression compression = images::Compression::none;
    std::filesystem::path final_path;  // a URL when the checkpoint goes to remote storage
    // --dir in remote storage: the store the checkpoint is uploaded to while CRIU dumps, and
    // its key there (the archive, or the prefix of the shards).
    std::shared_ptr<storage::ObjectStore> remote;
    std::string remote_key;
    std::optional<images::Staging> staging;
    std::optional<images::StreamedArchive> archive;  // written while CRIU dumps (tar, lz4, zstd)
    int streams = 0;                                  // --streams N, N >= 2; 0: not streamed
    std::optional<images::shards::ShardSet> shards;   // --streams: written while CRIU dumps
    std::vector<int> tree;                           // the processes, as the plugin's resolve step found them
    proc::ProcessInfo process;                       // the root of what is dumped
    images::Metadata meta;
    std::map<std::string, images::FileSum> memory_sums;  // taken while CRIU wrote the images
    bool keep_running = false;  // --leave-running, by flag, configuration or --criu-opts
    std::optional<jobs::Job> job;  // `dump job`: the job, as the route found it
    // What the workload's plugin found in its steps and its handler needs (a container).
    std::any target;
    // The cgroup namespace CRIU is to run in, when the plugin sets one (engine/criu_rpc.hpp).
    util::UniqueFd criu_cgroupns;
    // What a daemon killed during this dump must undo; null without a job database (the CLI
    // on its own).
    std::unique_ptr<DumpJournal> journal;
};

struct DumpCtx : RequestContext {
    DumpState dump;
};

using DumpChain = pipeline::Chain<DumpCtx, cedana::daemon::v1::DumpReq, cedana::daemon::v1::DumpResp>;

}  // namespace cedana::daemon
