#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/commands/commands.hpp"
#include "cli/progress_display.hpp"
#include "util/units.hpp"

namespace cedana::cli {

namespace v1 = cedana::daemon::v1;

namespace {

struct MigrateOptions {
    std::string jid;
    std::string to;
    std::string to_protocol;
    std::string compression;
    int streams = -1;
};

// The target daemon takes the token and TLS settings this call has (CEDANA_AUTH_TOKEN,
// --tls, --tls-ca): one cluster, one token.
void migrate(Globals& globals, const MigrateOptions& o) {
    const auto loaded = globals.load_config();
    const auto& connection = loaded.config.connection;
    v1::MigrateReq req;
    req.set_jid(o.jid);
    req.set_to(o.to);
    req.set_to_protocol(o.to_protocol);
    req.set_to_auth_token(connection.auth_token);
    req.set_to_tls(connection.tls);
    if (!connection.tls_ca.empty()) req.set_to_tls_ca(std::filesystem::absolute(connection.tls_ca).string());
    req.set_compression(o.compression);
    if (o.streams >= 0) req.set_streams(o.streams);
    Client client = globals.client();
    ProgressDisplay progress(client, [&globals] { return globals.client(); });
    const auto resp = client.migrate(req);
    progress.summarize(client);
    std::cout << "Migrated job " << resp.jid() << " to " << o.to << " (PID " << resp.pid() << ", " << util::binary_size(resp.bytes())
              << " sent)\n";
}

}  // namespace

void add_migrate_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<MigrateOptions>());
    auto* group = root.add_subcommand("migrate", "Move a workload to another daemon")->require_subcommand(1);
    auto* job = group->add_subcommand("job", "Dump a job here, restore it on the daemon at --to under the same id");
    job->add_option("jid", o->jid, "the job to move")->required();
    job->add_option("--to", o->to, "the daemon to move it to: a UNIX socket's path, or HOST:PORT")->required();
    job->add_option("--to-protocol", o->to_protocol, "unix or tcp (default: tcp for HOST:PORT, unix for a path)")
        ->check(CLI::IsMember({"unix", "tcp"}));
    job->add_option("--compression", o->compression, "how the checkpoint travels: none, tar, gzip, lz4, zlib, zstd (default lz4)");
    job->add_option("--streams", o->streams, "image streams of the checkpoint (default 2; 0: one archive)")->check(CLI::NonNegativeNumber);
    job->callback([&globals, o] { migrate(globals, *o); });
}

}  // namespace cedana::cli
