#include <iostream>

#include "cli/commands/commands.hpp"
#include "cli/workload_commands.hpp"

namespace cedana::cli {

namespace {

void add_group(CLI::App& root, Globals& globals, const std::string& verb, const std::string& help, bool unfreeze) {
    auto o = globals.keep(std::make_shared<FreezeOptions>());
    o->unfreeze = unfreeze;
    auto* group = root.add_subcommand(verb, help)->require_subcommand(1);
    add_plugin_commands(*group, globals, o);
    auto* job = group->add_subcommand("job", help + ": a managed job");
    job->add_option("JID", o->target, "the job")->required();
    job->callback([&globals, o] {
        cedana::daemon::v1::FreezeReq req;
        req.set_type("job");
        req.set_jid(o->target);
        send_freeze(globals, *o, std::move(req));
    });
}

}  // namespace

void send_freeze(Globals& globals, const FreezeOptions& o, cedana::daemon::v1::FreezeReq req) {
    Client client = globals.client();
    const auto resp = o.unfreeze ? client.unfreeze(req) : client.freeze(req);
    const std::string what = req.type() == "job" ? "job " + req.jid() : req.id().empty() ? "PID " + std::to_string(req.pid()) : req.id();
    std::cout << (o.unfreeze ? "Unfroze " : "Froze ") << what << " (" << resp.pids_size() << " process"
              << (resp.pids_size() == 1 ? "" : "es") << ")" << std::endl;
}

void add_freeze_commands(CLI::App& root, Globals& globals) {
    add_group(root, globals, "freeze", "Stop a process tree, container or job where it is", false);
    add_group(root, globals, "unfreeze", "Let a frozen process tree, container or job go on", true);
}

}  // namespace cedana::cli
