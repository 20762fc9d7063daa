#pragma once
// The routes' chains, one per workload type: built on the type's first request and kept,
// since the kinds plugins registered (kinds.hpp) never change once the program runs.

#include <map>
#include <mutex>
#include <string>

namespace cedana::daemon {

// Each call site (each `Build` type) has a cache of its own.
template <typename Chain, typename Build>
const Chain& cached_chain(const std::string& key, Build build) {
    static std::mutex mutex;
    static std::map<std::string, Chain> chains;
    const std::lock_guard lock(mutex);
    if (const auto it = chains.find(key); it != chains.end()) return it->second;
    return chains.emplace(key, build()).first->second;
}

}  // namespace cedana::daemon
