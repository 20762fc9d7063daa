#pragma once
// The machine a checkpoint was made for. CRIU restores registers, the vDSO and the restorer's
// blob only on the architecture it dumped, and says so deep in its log when asked to do
// otherwise; a checkpoint carried from another machine is refused up front instead.

#include <filesystem>
#include <optional>
#include <string>

namespace cedana::images {

// "x86_64", "aarch64", … as the root task's core image (core-PID.img, CRIU's core_entry
// field 1, mtype) gives it; nullopt when the checkpoint has no such image. Throws
// cedana::Error(failed_precondition) for an image that cannot be decoded.
std::optional<std::string> checkpoint_architecture(const std::filesystem::path& dir, int pid);

// The architecture this binary runs on, named as checkpoint_architecture() names them.
std::string host_architecture();

// Throws cedana::Error(invalid_argument) naming both when the checkpoint in `dir` is of
// another architecture than this machine.
void check_architecture(const std::filesystem::path& dir, int pid, const std::string& shown_as);

}  // namespace cedana::images
