#pragma once
// `cedana job checkpoint inspect <checkpoint> [--type T]`, run in the CLI: the checkpoint's
// metadata, or one aspect of its CRIU images decoded (images/inspect/inspect.hpp).

#include <string>

#include "config/config.hpp"

namespace cedana::cli {

// `checkpoint` is the path of a checkpoint directory or archive, or the URL of one in remote
// storage, fetched with `config`'s credentials. Prints to stdout; throws cedana::Error.
void inspect_checkpoint(const std::string& checkpoint, const std::string& type, const config::Config& config);

}  // namespace cedana::cli
