// The CRIU images behind `checkpoint inspect`, decoded by field number: a checkpoint's
// pstree, core, ids, mm, pagemap, fs, file (sockets included) and memfd images. The input is
// a little archive of them: records of a one-byte name length, the name, a two-byte
// little-endian data length and the data; every table is then drawn from the directory
// they make.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "fuzz_scratch.hpp"
#include "images/inspect/inspect.hpp"
#include "util/file_name.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& scratch = cedana::fuzz::Scratch::get();
    const auto& dir = scratch.fresh();
    const std::string_view input = cedana::fuzz::as_text(data, size);
    for (std::size_t at = 0; at < size;) {
        const std::size_t name_size = data[at];
        if (at + 1 + name_size + 2 > size) break;
        const std::string_view name = input.substr(at + 1, name_size);
        const std::size_t length = std::min<std::size_t>(data[at + 1 + name_size] | (data[at + 2 + name_size] << 8), size - at - 3 - name_size);
        if (cedana::util::is_plain_file_name(name)) scratch.put(name, input.substr(at + 3 + name_size, length));
        at += 3 + name_size + length;
    }
    for (const auto& type : cedana::images::inspect::types()) {
        try {
            (void)cedana::images::inspect::describe(dir, type);
        } catch (const std::runtime_error&) {
        }
    }
    scratch.check_contained();
    return 0;
}
