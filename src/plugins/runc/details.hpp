#pragma once
// The runc plugin's keys in a request's details (and a job's): which container, under
// which state root, from which bundle.

#include <map>
#include <string>

#include <google/protobuf/map.h>

#include "plugins/runc/runtime.hpp"

namespace cedana::plugins::runc {

using Details = google::protobuf::Map<std::string, std::string>;

inline std::string detail(const Details& details, const char* key) {
    const auto it = details.find(key);
    return it == details.end() ? std::string() : it->second;
}

inline std::string root_of(const Details& details) {
    const std::string root = detail(details, "root");
    return root.empty() ? kDefaultRoot : root;
}

inline std::string root_of(const std::map<std::string, std::string>& details) {
    const auto it = details.find("root");
    return it == details.end() || it->second.empty() ? kDefaultRoot : it->second;
}

}  // namespace cedana::plugins::runc
