// A checkpoint archive from anywhere (a remote store, a copy from another machine): format
// detection by name and magic, then extraction. The first byte picks the name's extension,
// the rest is the file. Extraction must refuse what could leave its directory, which
// Scratch::check_contained() holds it to.

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "fuzz_scratch.hpp"
#include "images/archive.hpp"
#include "images/compression.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cedana::images;
    if (size < 1) return 0;
    static const std::array kNames{"c.tar", "c.tar.gz", "c.tar.lz4", "c.tar.zlib", "c.tar.zst"};
    auto& scratch = cedana::fuzz::Scratch::get();
    scratch.fresh();
    const auto archive = scratch.put(kNames[data[0] % kNames.size()], cedana::fuzz::as_text(data + 1, size - 1));
    try {
        unpack(archive, detect(archive), scratch.out());
    } catch (const std::runtime_error&) {
        // A refusal with a message is the right answer to most inputs.
    }
    scratch.check_contained();
    return 0;
}
