// cedana.json of a checkpoint from anywhere: what restore reads first, joins to paths and
// hands to CRIU. Whatever it accepts must be what a dump could have written.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>

#include "fuzz_scratch.hpp"
#include "images/metadata.hpp"
#include "util/file_name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cedana::images;
    auto& scratch = cedana::fuzz::Scratch::get();
    const auto& dir = scratch.fresh();
    scratch.put(kMetadataFile, cedana::fuzz::as_text(data, size));
    try {
        const Metadata meta = read_metadata(dir);
        for (const auto& [name, sum] : meta.files) {
            if (!cedana::util::is_plain_file_name(name)) std::abort();
        }
        if (meta.pid <= 0) std::abort();
        // What restore does next with it: every listed image must be there, whole.
        verify_images(dir, meta, ImageSet::all, 1);
    } catch (const std::runtime_error&) {
    }
    scratch.check_contained();
    return 0;
}
