#include "net/retrying.hpp"

#include <chrono>
#include <thread>

#include "util/error.hpp"

namespace cedana::net {

bool worth_retrying(long status) { return status >= 500 || status == 429; }

HttpResponse perform_retrying(const HttpRequest& request, int attempts) {
    auto pause = std::chrono::milliseconds(200);
    for (int attempt = 1;; ++attempt) {
        try {
            auto response = perform(request);
            if (!worth_retrying(response.status) || attempt >= attempts) return response;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::unavailable || attempt >= attempts) throw;
        }
        std::this_thread::sleep_for(pause);
        pause *= 2;
    }
}

}  // namespace cedana::net
