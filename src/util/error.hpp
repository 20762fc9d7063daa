#pragma once
// The one exception type that crosses layer boundaries. Its kind decides the gRPC status
// the daemon answers with and the CLI's exit code; its message is shown to the user as is,
// so it must say what was wrong and what to do.

#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace cedana {

enum class ErrorKind {
    invalid_argument,     // bad flag, value or configuration
    not_found,            // no such PID, job, checkpoint, file
    failed_precondition,  // the machine or the target is not in a state to do it
    unavailable,          // the daemon cannot be reached
    unimplemented,        // the capability is not in this build yet
    unauthenticated,      // a TCP or VSOCK call without valid credentials
    permission_denied,    // the caller may not do this, whoever they are
    internal,             // anything else
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

    [[nodiscard]] ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
    throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace cedana
