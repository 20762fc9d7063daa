#include "util/text_file.hpp"

#include <fstream>
#include <sstream>

namespace cedana::util {

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace cedana::util
