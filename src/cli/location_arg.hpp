#pragma once
// A --dir or --path as the daemon gets it: a local path made absolute against this
// command's working directory (the daemon has its own), a URL passed on as written, for the
// daemon to serve or refuse (storage/location.hpp).

#include <string>

namespace cedana::cli {

std::string local_or_url(const std::string& arg);

}  // namespace cedana::cli
