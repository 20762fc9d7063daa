#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands/commands.hpp"
#include "cli/workload_commands.hpp"

namespace cedana::cli {

void send_query(Globals& globals, const QueryOptions& o, cedana::daemon::v1::QueryReq req) {
    for (const auto& target : o.targets) req.add_targets(target);
    req.set_tree(o.tree);
    req.set_inspect(o.inspect);
    const auto resp = globals.client().query(req);
    std::vector<std::size_t> widths;
    for (const auto& column : resp.columns()) widths.push_back(column.size());
    for (const auto& row : resp.rows()) {
        for (int i = 0; i < row.cells_size() && i < static_cast<int>(widths.size()); ++i) {
            widths[static_cast<std::size_t>(i)] = std::max(widths[static_cast<std::size_t>(i)], row.cells(i).size());
        }
    }
    // The last column (a command line, say) is not padded.
    const auto print = [&widths](const auto& cells) {
        std::string line;
        for (int i = 0; i < cells.size(); ++i) {
            const bool last = i + 1 == cells.size();
            line += last ? cells.Get(i) : fmt::format("{:<{}}  ", cells.Get(i), widths[static_cast<std::size_t>(i)]);
        }
        std::cout << line << '\n';
    };
    print(resp.columns());
    for (const auto& row : resp.rows()) print(row.cells());
    if (!resp.details().empty()) {
        std::size_t name_width = 0;
        for (const auto& d : resp.details()) name_width = std::max(name_width, d.name().size());
        std::cout << '\n';
        for (const auto& d : resp.details()) std::cout << fmt::format("{:<{}}  {}\n", d.name(), name_width, d.value());
    }
    std::cout.flush();
}

void add_query_commands(CLI::App& root, Globals& globals) {
    auto o = globals.keep(std::make_shared<QueryOptions>());
    auto* query = root.add_subcommand("query", "Describe processes, containers or pods that could be checkpointed")
                      ->require_subcommand(1);
    query->add_flag("-t,--tree", o->tree, "include the whole process tree");
    query->add_flag("-i,--inspect", o->inspect, "show details");

    add_plugin_commands(*query, globals, o);
    auto* k8s = query->add_subcommand("k8s", "Describe Kubernetes pods");
    k8s->add_option("pod-name", o->targets, "the pods")->required();
    k8s->add_option("--namespace", o->ns, "Kubernetes namespace");
    k8s->add_option("--container-type", o->container_type, "container or sandbox");
    not_available_yet(*k8s, "query");
}

}  // namespace cedana::cli
