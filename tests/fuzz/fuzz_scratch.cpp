#include "fuzz_scratch.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

namespace cedana::fuzz {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void contained_violation(const fs::path& what, const char* why) {
    std::fprintf(stderr, "fuzz: the parser left %s: %s\n", what.c_str(), why);
    std::abort();
}

}  // namespace

Scratch& Scratch::get() {
    static Scratch scratch;
    return scratch;
}

Scratch::Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "cedana-fuzz-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    root_ = tmpl;
    in_ = root_ / "in";
    out_ = root_ / "out";
}

Scratch::~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
}

const fs::path& Scratch::fresh() {
    // A parser may have left an entry without write permission: make it removable first.
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root_, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
    }
    for (const auto& entry : fs::directory_iterator(root_)) fs::remove_all(entry.path());
    fs::create_directory(in_);
    fs::create_directory(out_);
    return in_;
}

fs::path Scratch::put(std::string_view name, std::string_view bytes) const {
    fs::path path = in_ / name;
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!file) throw std::runtime_error("cannot write " + path.string());
    return path;
}

void Scratch::check_contained() const {
    for (const auto& entry : fs::directory_iterator(root_)) {
        if (entry.path() != in_ && entry.path() != out_) contained_violation(entry.path(), "outside its output directory");
    }
    if (!fs::exists(out_)) return;
    for (const auto& entry : fs::recursive_directory_iterator(out_, fs::directory_options::skip_permission_denied)) {
        struct stat st {};
        if (::lstat(entry.path().c_str(), &st) != 0) continue;
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) contained_violation(entry.path(), "neither a file nor a directory");
        if (S_ISREG(st.st_mode) && st.st_nlink != 1) contained_violation(entry.path(), "a hard link");
        if ((st.st_mode & (S_ISUID | S_ISGID)) != 0) contained_violation(entry.path(), "set-user-ID or set-group-ID");
    }
}

}  // namespace cedana::fuzz
