#pragma once
// The file system a harness hands its input to. Most parsers of outside data read files
// (an archive, a checkpoint directory, state.json), so an input is written into a fresh
// `in/` and whatever the parser writes goes to a fresh `out/`, both under one directory
// of this process, emptied after every input.
//
// Containment is checked, not just crashes: after the parser ran, nothing but `in/` and
// `out/` may exist in that directory, and `out/` may hold only regular files and
// directories. Anything else (a file written through a "../" name, a symlink, a device
// node, a FIFO) aborts the run, so the fuzzer reports it like a crash.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace cedana::fuzz {

class Scratch {
public:
    // The one Scratch of the process, created under $TMPDIR on first use.
    static Scratch& get();

    // Empties in/ and out/ and returns in/.
    const std::filesystem::path& fresh();
    [[nodiscard]] const std::filesystem::path& in() const { return in_; }
    [[nodiscard]] const std::filesystem::path& out() const { return out_; }

    // Writes `bytes` to in()/name.
    std::filesystem::path put(std::string_view name, std::string_view bytes) const;

    // Aborts when the parser left anything outside out/ or anything in it that is not a
    // plain file or directory.
    void check_contained() const;

    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

private:
    Scratch();
    ~Scratch();

    std::filesystem::path root_;
    std::filesystem::path in_;
    std::filesystem::path out_;
};

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace cedana::fuzz
