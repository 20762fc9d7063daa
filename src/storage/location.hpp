#pragma once
// Where a checkpoint goes or comes from: a local path, or a URL (<scheme>://...) served by
// a storage plugin that registered its scheme here. A URL whose scheme nothing serves is
// refused before anything is touched: taken as a relative path, "s3://bucket/x" would
// quietly become ./s3:/bucket/x on a disk that may not outlive the machine. A local
// directory whose name looks like a URL is written as a path: ./s3:/x.

#include <string>
#include <string_view>
#include <vector>

namespace cedana::storage {

// "s3" for "s3://bucket/key"; empty when `location` is not a URL.
std::string scheme_of(std::string_view location);

// Called by a storage plugin as it registers; schemes are compared in lower case.
void register_scheme(const std::string& scheme);
std::vector<std::string> served_schemes();

// Throws cedana::Error(invalid_argument) when `location` is a URL whose scheme no installed
// plugin serves, naming `what` (the flag or field it came from), the scheme, and what is
// served.
void check_served(const std::string& location, std::string_view what);

}  // namespace cedana::storage
