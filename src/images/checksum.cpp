#include "images/checksum.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <xxhash.h>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace cedana::images {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kChunk = kChecksumChunk;

// Files up to this size are read through a small buffer: mapping, faulting in and unmapping
// one costs more than copying it (a dump of a shell loop has ~20 such files: 0.6 -> 0.3 ms).
constexpr std::uint64_t kReadUpTo = 1ull << 20;

util::UniqueFd open_image(const fs::path& path, std::uint64_t& size) {
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) fail(ErrorKind::failed_precondition, "cannot read {}: {}", path.string(), std::strerror(errno));
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) fail(ErrorKind::failed_precondition, "cannot stat {}: {}", path.string(), std::strerror(errno));
    size = static_cast<std::uint64_t>(st.st_size);
    return fd;
}

FileSum read_sum(int fd, const fs::path& path) {
    char buffer[64 << 10];
    StreamingChecksum sum;
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", path.string(), std::strerror(errno));
        if (n == 0) return sum.finish();
        sum.update(buffer, static_cast<std::size_t>(n));
    }
}

// A read-only mapping of a whole file, unmapped on destruction.
class Mapping {
public:
    Mapping(int fd, std::uint64_t size, const fs::path& path) : size_(size) {
        if (size_ == 0) return;
        void* addr = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (addr == MAP_FAILED) fail(ErrorKind::failed_precondition, "cannot map {}: {}", path.string(), std::strerror(errno));
        data_ = static_cast<const unsigned char*>(addr);
    }
    ~Mapping() {
        if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;

    [[nodiscard]] const unsigned char* data() const { return data_; }
    [[nodiscard]] std::uint64_t size() const { return size_; }

private:
    const unsigned char* data_ = nullptr;
    std::uint64_t size_ = 0;
};

struct Job {
    const Mapping* file;
    std::uint64_t chunk;
    std::uint64_t* out;
};

}  // namespace

std::map<std::string, FileSum> checksum_dir(const fs::path& dir, const std::set<std::string>& skip) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (entry.is_regular_file() && !skip.contains(name)) names.push_back(name);
    }
    return checksum_files(dir, names);
}

std::map<std::string, FileSum> checksum_files(const fs::path& dir, const std::vector<std::string>& names, unsigned threads) {
    std::map<std::string, FileSum> sums;
    std::vector<std::unique_ptr<Mapping>> maps;
    std::vector<std::string> mapped;
    for (const auto& name : names) {
        const fs::path path = dir / name;
        std::uint64_t size = 0;
        const util::UniqueFd fd = open_image(path, size);
        if (size <= kReadUpTo) {
            sums[name] = read_sum(fd.get(), path);
        } else {
            maps.push_back(std::make_unique<Mapping>(fd.get(), size, path));
            mapped.push_back(name);
        }
    }

    std::vector<std::vector<std::uint64_t>> digests(maps.size());
    std::vector<Job> jobs;
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < maps.size(); ++i) {
        total += maps[i]->size();
        const std::uint64_t chunks = std::max<std::uint64_t>(1, (maps[i]->size() + kChunk - 1) / kChunk);
        digests[i].resize(chunks);
        for (std::uint64_t c = 0; c < chunks; ++c) jobs.push_back({maps[i].get(), c, &digests[i][c]});
    }

    std::atomic<std::size_t> next{0};
    auto work = [&] {
        for (std::size_t j = next++; j < jobs.size(); j = next++) {
            const Job& job = jobs[j];
            const std::uint64_t offset = job.chunk * kChunk;
            const std::uint64_t length = std::min(kChunk, job.file->size() - std::min(offset, job.file->size()));
            *job.out = XXH3_64bits(job.file->data() == nullptr ? nullptr : job.file->data() + offset, length);
        }
    };
    if (threads == 0) threads = std::thread::hardware_concurrency();
    // Less than a chunk's worth of bytes hashes faster than a thread starts.
    if (total < kChunk) threads = 1;
    const unsigned workers = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(jobs.size())));
    std::vector<std::jthread> pool;
    for (unsigned w = 1; w < workers; ++w) pool.emplace_back(work);
    work();
    pool.clear();
    for (std::size_t i = 0; i < maps.size(); ++i) sums[mapped[i]] = {maps[i]->size(), combine_chunk_digests(digests[i])};
    return sums;
}

struct StreamingChecksum::State {
    XXH3_state_t* xxh = XXH3_createState();
    State() {
        if (xxh == nullptr) throw std::bad_alloc();
        XXH3_64bits_reset(xxh);
    }
    ~State() { XXH3_freeState(xxh); }
    State(const State&) = delete;
    State& operator=(const State&) = delete;
};

StreamingChecksum::StreamingChecksum() : state_(std::make_unique<State>()) {}
StreamingChecksum::~StreamingChecksum() = default;
StreamingChecksum::StreamingChecksum(StreamingChecksum&&) noexcept = default;
StreamingChecksum& StreamingChecksum::operator=(StreamingChecksum&&) noexcept = default;

void StreamingChecksum::update(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const char*>(data);
    size_ += size;
    while (size > 0) {
        const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(size, kChunk - in_chunk_));
        XXH3_64bits_update(state_->xxh, bytes, take);
        in_chunk_ += take;
        bytes += take;
        size -= take;
        if (in_chunk_ == kChunk) {
            digests_.push_back(XXH3_64bits_digest(state_->xxh));
            XXH3_64bits_reset(state_->xxh);
            in_chunk_ = 0;
        }
    }
}

FileSum StreamingChecksum::finish() {
    if (in_chunk_ > 0 || digests_.empty()) digests_.push_back(XXH3_64bits_digest(state_->xxh));
    in_chunk_ = 0;
    return {size_, combine_chunk_digests(digests_)};
}

std::string combine_chunk_digests(const std::vector<std::uint64_t>& digests) {
    std::vector<unsigned char> le;
    le.reserve(digests.size() * 8);
    for (std::uint64_t d : digests) {
        for (int b = 0; b < 8; ++b) le.push_back(static_cast<unsigned char>(d >> (8 * b)));
    }
    return fmt::format("{:016x}", XXH3_64bits(le.data(), le.size()));
}

}  // namespace cedana::images
