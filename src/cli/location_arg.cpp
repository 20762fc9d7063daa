#include "cli/location_arg.hpp"

#include <filesystem>

#include "storage/location.hpp"

namespace cedana::cli {

std::string local_or_url(const std::string& arg) {
    if (!storage::scheme_of(arg).empty()) return arg;
    return std::filesystem::absolute(arg).lexically_normal().string();
}

}  // namespace cedana::cli
