#pragma once
// Wall-clock time as stored in checkpoints and the job database.

#include <chrono>
#include <cstdint>

namespace cedana::util {

inline std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace cedana::util
