#include "registry/feature.hpp"

namespace cedana::registry {

std::string_view label(Feature feature) {
    switch (feature) {
        case Feature::dump_command: return "Dump command";
        case Feature::restore_command: return "Restore command";
        case Feature::run_command: return "Run command";
        case Feature::manage_command: return "Manage command";
        case Feature::freeze_command: return "Freeze command";
        case Feature::unfreeze_command: return "Unfreeze command";
        case Feature::query_command: return "Query command";
        case Feature::dump_middleware: return "Dump middleware";
        case Feature::dump_handler: return "Dump handler";
        case Feature::restore_middleware: return "Restore middleware";
        case Feature::restore_handler: return "Restore handler";
        case Feature::run_middleware: return "Run middleware";
        case Feature::run_handler: return "Run handler";
        case Feature::kill_signal: return "Custom kill signal";
        case Feature::cleanup: return "Custom cleanup";
        case Feature::reaper: return "Custom reaper";
        case Feature::checkpoint_storage: return "Checkpoint storage";
        case Feature::query_handler: return "Query handler";
        case Feature::health_checks: return "Health checks";
    }
    return "?";
}

}  // namespace cedana::registry
