#include "daemon/kinds.hpp"

#include <map>
#include <mutex>
#include <stdexcept>

#include "registry/registry.hpp"
#include "util/error.hpp"

namespace cedana::daemon {

namespace {

template <typename K>
struct Table {
    std::mutex mutex;
    std::map<std::string, std::map<std::string, K>> by_route;  // route → type → kind
};

// Function-local, as plugins register from static initializers.
template <typename K>
Table<K>& table() {
    static Table<K> t;
    return t;
}

template <typename K>
void add(const char* route, const std::string& type, K kind) {
    auto& t = table<K>();
    const std::lock_guard lock(t.mutex);
    if (!t.by_route[route].emplace(type, std::move(kind)).second) {
        throw std::logic_error(std::string(route) + " of type " + type + " registered twice");
    }
}

template <typename K>
const K& find(const char* route, const std::string& type) {
    auto& t = table<K>();
    const std::lock_guard lock(t.mutex);
    const auto& kinds = t.by_route[route];
    const auto it = kinds.find(type);
    if (it == kinds.end()) {
        std::string served;
        for (const auto& [name, kind] : kinds) served += (served.empty() ? "" : ", ") + name;
        fail(ErrorKind::unimplemented, "{} of type \"{}\": no plugin of this cedana serves it (served: {})", route, type,
             served.empty() ? "none" : served);
    }
    return it->second;
}

}  // namespace

// What a kind brings, as the features matrix counts it.
template <typename K>
void note(const K& kind, registry::Feature middleware, registry::Feature handler) {
    if (!kind.steps.empty()) registry::note(kind.plugin, middleware);
    if (kind.handler.fn) registry::note(kind.plugin, handler);
}

void add_dump_kind(const std::string& type, DumpKind kind) {
    note(kind, registry::Feature::dump_middleware, registry::Feature::dump_handler);
    add("dump", type, std::move(kind));
}
void add_restore_kind(const std::string& type, RestoreKind kind) {
    note(kind, registry::Feature::restore_middleware, registry::Feature::restore_handler);
    add("restore", type, std::move(kind));
}
void add_run_kind(const std::string& type, RunKind kind) {
    note(kind, registry::Feature::run_middleware, registry::Feature::run_handler);
    add("run", type, std::move(kind));
}
// The features matrix has no manage middleware or handler rows; the manage command's row
// comes from the command line's registration.
void add_manage_kind(const std::string& type, ManageKind kind) { add("manage", type, std::move(kind)); }

void add_freeze_kind(const std::string& type, FreezeKind kind) { add("freeze", type, std::move(kind)); }
void add_unfreeze_kind(const std::string& type, FreezeKind kind) { add("unfreeze", type, std::move(kind)); }
void add_query_kind(const std::string& type, QueryKind kind) {
    if (kind.handler.fn) registry::note(kind.plugin, registry::Feature::query_handler);
    add("query", type, std::move(kind));
}

const DumpKind& dump_kind(const std::string& type) { return find<DumpKind>("dump", type); }
const RestoreKind& restore_kind(const std::string& type) { return find<RestoreKind>("restore", type); }
const RunKind& run_kind(const std::string& type) { return find<RunKind>("run", type); }
const ManageKind& manage_kind(const std::string& type) { return find<ManageKind>("manage", type); }
const FreezeKind& freeze_kind(const std::string& type) { return find<FreezeKind>("freeze", type); }
const FreezeKind& unfreeze_kind(const std::string& type) { return find<FreezeKind>("unfreeze", type); }
const QueryKind& query_kind(const std::string& type) { return find<QueryKind>("query", type); }

namespace {

struct StateTable {
    std::mutex mutex;
    std::map<std::string, JobStateFn> by_type;
};

StateTable& states() {
    static StateTable t;
    return t;
}

}  // namespace

void add_job_state(const std::string& type, JobStateFn fn) {
    auto& t = states();
    const std::lock_guard lock(t.mutex);
    if (!t.by_type.emplace(type, std::move(fn)).second) throw std::logic_error("job state of type " + type + " registered twice");
}

std::optional<std::string> job_state(const jobs::Job& job) {
    JobStateFn fn;
    {
        auto& t = states();
        const std::lock_guard lock(t.mutex);
        const auto it = t.by_type.find(job.type);
        if (it == t.by_type.end()) return std::nullopt;
        fn = it->second;
    }
    return fn(job);
}

}  // namespace cedana::daemon
