#pragma once
// The runc binary: where it is, which version, and running one of its commands against a
// state root (--root), failing with what runc said.

#include <optional>
#include <string>
#include <vector>

namespace cedana::plugins::runc {

// runc's own default state root, used when a request names none.
inline constexpr const char* kDefaultRoot = "/run/runc";

// `runc` from PATH; empty when there is none.
std::string find_runc();

// "1.1.5", from `runc --version`; nullopt when the binary does not answer as runc.
std::optional<std::string> runc_version(const std::string& binary);

// find_runc(), or cedana::Error(failed_precondition) saying how to get runc.
std::string require_runc();

// Runs `runc --root ROOT ARGS...` and returns its stdout; throws cedana::Error naming the
// command and runc's message when it fails.
std::string run_runc(const std::string& root, const std::vector<std::string>& args);

// The message of runc's failure in what it printed to stderr or wrote to its --log
// (`time=... level=error msg="..."`), without the decoration; the text as is otherwise.
std::string runc_error(const std::string& output);

}  // namespace cedana::plugins::runc
