#pragma once
// Bounded retries with backoff for what a retry can fix: no answer at all, 5xx, 429.

#include "net/http_request.hpp"

namespace cedana::net {

[[nodiscard]] bool worth_retrying(long status);

// Attempts until an answer not worth retrying, at most `attempts`, pausing 200 ms and twice
// as long after each; the last answer is returned, the last transport error thrown.
HttpResponse perform_retrying(const HttpRequest& request, int attempts);

}  // namespace cedana::net
