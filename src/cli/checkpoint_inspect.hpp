#pragma once
// `cedana job checkpoint inspect <checkpoint> [--type T]`, run in the CLI: the checkpoint's
// metadata, or one aspect of its CRIU images decoded (images/inspect/inspect.hpp).

#include <string>

namespace cedana::cli {

// `checkpoint` is the path of a checkpoint directory or archive. (Checkpoint ids from the
// job database arrive with managed jobs.) Prints to stdout; throws cedana::Error.
void inspect_checkpoint(const std::string& checkpoint, const std::string& type);

}  // namespace cedana::cli
