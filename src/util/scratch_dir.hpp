#pragma once
// A scratch directory under the temporary directory, removed with everything in it when the
// object goes.

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "util/error.hpp"
#include "util/leftovers.hpp"

namespace cedana::util {

class ScratchDir {
public:
    // `prefix` names the directory (cedana-runc-XXXXXX).
    explicit ScratchDir(const std::string& prefix) {
        std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
        if (::mkdtemp(tmpl.data()) == nullptr) fail(ErrorKind::internal, "cannot create a scratch directory: {}", std::strerror(errno));
        path_ = tmpl;
        leftover_ = Leftover({path_});
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    Leftover leftover_;
};

}  // namespace cedana::util
