#pragma once
// What a plugin can add, as `cedana features` lists it: one row each. A plugin never claims
// a feature by hand; the registration functions that take its adapters, handlers, commands
// and checks note it (registry.hpp), so the matrix is what the plugin really registered.

#include <array>
#include <string_view>

namespace cedana::registry {

enum class Feature {
    dump_command,
    restore_command,
    run_command,
    manage_command,
    freeze_command,
    unfreeze_command,
    query_command,
    dump_middleware,
    dump_handler,
    restore_middleware,
    restore_handler,
    run_middleware,
    run_handler,
    kill_signal,
    cleanup,
    reaper,
    checkpoint_storage,
    query_handler,
    health_checks,
};

inline constexpr std::array kAllFeatures = {
    Feature::dump_command,       Feature::restore_command, Feature::run_command,     Feature::manage_command,
    Feature::freeze_command,     Feature::unfreeze_command, Feature::query_command,  Feature::dump_middleware,
    Feature::dump_handler,       Feature::restore_middleware, Feature::restore_handler, Feature::run_middleware,
    Feature::run_handler,        Feature::kill_signal,     Feature::cleanup,         Feature::reaper,
    Feature::checkpoint_storage, Feature::query_handler,   Feature::health_checks,
};

// The row's label in `cedana features`: "Dump command", "Run middleware", ...
std::string_view label(Feature feature);

}  // namespace cedana::registry
