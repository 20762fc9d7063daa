#include "storage/resumed_read.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace cedana::storage {

void read_resumed(const RangedGet& source, std::uint64_t offset, std::uint64_t length, const ObjectStore::Sink& sink) {
    std::uint64_t got = 0;
    int stalled = 0;
    while (got < length) {
        const std::uint64_t before = got;
        std::string cause;
        try {
            const auto response = source.get(offset + got, offset + length - 1, [&](std::string_view bytes) {
                const auto take = std::min<std::uint64_t>(bytes.size(), length - got);
                sink(bytes.substr(0, take));
                got += take;
            });
            if (response.status == 416 || ((response.status == 206 || response.status == 200) && got == before)) {
                fail(ErrorKind::failed_precondition, "{} is shorter than expected: it ends before byte {}", source.url, offset + got);
            }
            if (response.status != 206 && response.status != 200) {
                if (response.status < 500 && response.status != 429) source.refuse(response);
                cause = source.describe(response);
            }
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::unavailable) throw;
            cause = e.what();
        }
        stalled = got > before ? 0 : stalled + 1;
        if (stalled >= kStalledResumes) {
            fail(ErrorKind::failed_precondition, "cannot download {}: {} broke off at byte {} ({})", source.url, source.where, offset + got, cause);
        }
    }
}

}  // namespace cedana::storage
