#include "cli/workload_commands.hpp"

#include <map>
#include <mutex>

#include "registry/registry.hpp"

namespace cedana::cli {

namespace {

template <typename Options>
struct Commands {
    std::mutex mutex;
    std::multimap<std::string, WorkloadCommand<Options>> by_plugin;
};

// Function-local, as plugins register from static initializers.
template <typename Options>
Commands<Options>& commands() {
    static Commands<Options> c;
    return c;
}

template <typename Options>
void add(const std::string& plugin, WorkloadCommand<Options> command, registry::Feature feature) {
    registry::note(plugin, feature);
    auto& c = commands<Options>();
    const std::lock_guard lock(c.mutex);
    c.by_plugin.emplace(plugin, std::move(command));
}

}  // namespace

void add_dump_command(const std::string& plugin, WorkloadCommand<DumpOptions> add_fn) {
    add(plugin, std::move(add_fn), registry::Feature::dump_command);
}
void add_restore_command(const std::string& plugin, WorkloadCommand<RestoreOptions> add_fn) {
    add(plugin, std::move(add_fn), registry::Feature::restore_command);
}
void add_run_command(const std::string& plugin, WorkloadCommand<RunOptions> add_fn) {
    add(plugin, std::move(add_fn), registry::Feature::run_command);
}
void add_manage_command(const std::string& plugin, WorkloadCommand<ManageOptions> add_fn) {
    add(plugin, std::move(add_fn), registry::Feature::manage_command);
}

void add_freeze_command(const std::string& plugin, WorkloadCommand<FreezeOptions> add_fn) {
    registry::note(plugin, registry::Feature::unfreeze_command);
    add(plugin, std::move(add_fn), registry::Feature::freeze_command);
}
void add_query_command(const std::string& plugin, WorkloadCommand<QueryOptions> add_fn) {
    add(plugin, std::move(add_fn), registry::Feature::query_command);
}

template <typename Options>
void add_plugin_commands(CLI::App& group, Globals& globals, const std::shared_ptr<Options>& options) {
    auto& c = commands<Options>();
    const std::lock_guard lock(c.mutex);
    for (const auto& [plugin, command] : c.by_plugin) command(group, globals, options);
}

template void add_plugin_commands(CLI::App&, Globals&, const std::shared_ptr<DumpOptions>&);
template void add_plugin_commands(CLI::App&, Globals&, const std::shared_ptr<RestoreOptions>&);
template void add_plugin_commands(CLI::App&, Globals&, const std::shared_ptr<RunOptions>&);
template void add_plugin_commands(CLI::App&, Globals&, const std::shared_ptr<ManageOptions>&);
template void add_plugin_commands(CLI::App&, Globals&, const std::shared_ptr<FreezeOptions>&);
template void add_plugin_commands(CLI::App&, Globals&, const std::shared_ptr<QueryOptions>&);

}  // namespace cedana::cli
