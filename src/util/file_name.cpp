#include "util/file_name.hpp"

namespace cedana::util {

bool is_plain_file_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxFileNameSize || name == "." || name == "..") return false;
    return name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
}

}  // namespace cedana::util
