#include "cli/pid_file.hpp"

#include <filesystem>
#include <fstream>

#include "util/error.hpp"

namespace cedana::cli {

void write_pid_file(const std::string& path, int pid) {
    if (path.empty()) return;
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << pid << '\n';
        if (!out.flush()) fail(ErrorKind::failed_precondition, "cannot write --pid-file {}", path);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) fail(ErrorKind::failed_precondition, "cannot write --pid-file {}: {}", path, ec.message());
}

}  // namespace cedana::cli
