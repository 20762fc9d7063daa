#include "cli/commands/commands.hpp"
#include "daemon/server.hpp"
#include "util/log.hpp"

namespace cedana::cli {

namespace {

struct StartOptions {
    std::string db;
    std::string group;
    bool init_config = false;
    bool merge_config = false;
};

}  // namespace

void add_daemon_commands(CLI::App& root, Globals& globals) {
    auto* daemon = root.add_subcommand("daemon", "Start the daemon or ask it to check the machine")->require_subcommand(1);

    auto start_opts = globals.keep(std::make_shared<StartOptions>());
    auto* start = daemon->add_subcommand("start", "Start the daemon in the foreground; SIGTERM or SIGINT stops it");
    start->add_option("--db", start_opts->db, "path of the job database (DB.Path)");
    start->add_option("--group", start_opts->group,
                      "give this group the UNIX socket (connection.socket_group): its members get root's powers over the daemon");
    start->add_flag("--init-config", start_opts->init_config, "write the default configuration (with the environment) if none exists");
    start->add_flag("--merge-config", start_opts->merge_config, "merge the environment into the existing configuration file");
    start->callback([&globals, start_opts] {
        const config::Sources sources{.config_dir = globals.config_dir, .override_json = {}, .env = config::process_env()};
        if (start_opts->init_config) config::init_file(sources);
        if (start_opts->merge_config) config::merge_env_into_file(sources);
        config::Loaded loaded = globals.load_config();
        nlohmann::json flags = nlohmann::json::object();
        if (!start_opts->db.empty()) flags["db"]["path"] = start_opts->db;
        if (!start_opts->group.empty()) flags["connection"]["socket_group"] = start_opts->group;
        if (!flags.empty()) {
            const std::string file = loaded.file;
            loaded = config::with_override(loaded.json, flags.dump());
            loaded.file = file;
        }
        util::set_log_level(loaded.config.log.level);
        daemon::serve_until_signalled(loaded);
    });

    auto full = globals.keep(std::make_shared<bool>(false));
    auto* check = daemon->add_subcommand("check", "Ask the daemon to run the health checks");
    check->add_flag("--full", *full, "also run the installed plugins' checks and CRIU's optional feature checks");
    check->callback([&globals, full] { run_daemon_check(globals, *full); });
}

}  // namespace cedana::cli
