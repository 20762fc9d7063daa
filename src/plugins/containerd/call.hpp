#pragma once
// One call of containerd's API: the namespace header, a lease when one protects what the
// call makes, a deadline; and what a failed status means, in words.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

namespace cedana::plugins::containerd {

class Client;

// Queries answer in milliseconds; creating or restoring a task can take longer.
inline constexpr auto kCallDeadline = std::chrono::seconds(30);
inline constexpr auto kTaskDeadline = std::chrono::minutes(5);

struct Call {
    Call(const Client& client, std::chrono::seconds deadline = kCallDeadline);
    grpc::ClientContext context;
};

// Throws cedana::Error for a failed `status` of the call that did `what` ("container web").
[[noreturn]] void failed(const Client& client, const grpc::Status& status, const std::string& what);

}  // namespace cedana::plugins::containerd
