#pragma once
// Where a checkpoint is built before it exists under its final name: a hidden working
// directory next to it, on the same filesystem, so that publishing is one rename and a
// failure anywhere leaves nothing behind.

#include <filesystem>

#include "util/leftovers.hpp"

namespace cedana::images {

class Staging {
public:
    // Creates `<dir>/.<name>.partial-XXXXXX` (and `dir` itself when missing; it is removed
    // again on failure if this created it). Throws cedana::Error when `dir` cannot be written.
    Staging(const std::filesystem::path& dir, const std::string& name);
    // Removes the working directory and any partial output unless publish() succeeded.
    ~Staging();
    Staging(const Staging&) = delete;
    Staging& operator=(const Staging&) = delete;

    // CRIU's images go here.
    [[nodiscard]] const std::filesystem::path& work_dir() const { return work_; }
    // A scratch file name next to the final one, removed on failure: for building an archive.
    [[nodiscard]] std::filesystem::path partial_file() const;

    // Moves `built` (work_dir() or partial_file()) to `final_path`, which must not exist.
    void publish(const std::filesystem::path& built, const std::filesystem::path& final_path);

private:
    std::filesystem::path dir_;
    std::filesystem::path work_;
    std::filesystem::path created_dir_;
    bool published_ = false;
    util::Leftover leftover_;  // until the destructor has removed what it made
};

}  // namespace cedana::images
