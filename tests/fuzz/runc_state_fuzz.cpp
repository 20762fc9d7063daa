// What the runc plugin reads of runc's and the bundle's making: <root>/<id>/state.json,
// <bundle>/config.json and /proc/<pid>/cgroup. The input is split at its first NUL byte:
// state.json before it, config.json after it; the whole input is also read as a cgroup file.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_scratch.hpp"
#include "plugins/runc/bundle.hpp"
#include "plugins/runc/cgroups.hpp"
#include "plugins/runc/container.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cedana::plugins::runc;
    const std::string_view text = cedana::fuzz::as_text(data, size);
    const auto nul = text.find('\0');
    const std::string_view state = text.substr(0, nul);
    const std::string_view config = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);

    auto& scratch = cedana::fuzz::Scratch::get();
    const auto& dir = scratch.fresh();
    std::filesystem::create_directory(dir / "c1");
    std::filesystem::create_directory(dir / "bundle");
    std::filesystem::create_directory(dir / "bundle" / "rootfs");
    scratch.put("c1/state.json", state);
    scratch.put("bundle/config.json", config);
    try {
        const Container c = load_container(dir.string(), "c1");
        (void)freezer_dir(c);
    } catch (const std::runtime_error&) {
    }
    try {
        const Bundle b = load_bundle((dir / "bundle").string());
        for (const char* type : {"network", "pid", "mount", "user"}) {
            (void)namespace_path(b, type);
            (void)has_namespace(b, type);
        }
    } catch (const std::runtime_error&) {
    }
    try {
        (void)parse_cgroup_file(std::string(text));
    } catch (const std::runtime_error&) {
    }
    scratch.check_contained();
    return 0;
}
