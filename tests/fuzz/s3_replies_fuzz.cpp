// What an S3-compatible server answers, which cedana reads as a client: listings (whose keys
// become the names of files a restore writes), upload ids and errors. The input is the body
// of each answer; the listing's keys must come out as plain names under the prefix asked.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_scratch.hpp"
#include "plugins/s3/s3_replies.hpp"
#include "storage/remote_checkpoint.hpp"
#include "util/error.hpp"
#include "util/file_name.hpp"

namespace {

using namespace cedana;

// A store whose every listing is the page parsed from the input.
class AnsweringStore : public storage::ObjectStore {
public:
    explicit AnsweringStore(std::string_view body) : body_(body) {}
    void check_access() override {}
    std::unique_ptr<storage::ObjectUpload> upload(const std::string&) override { return nullptr; }
    std::optional<std::uint64_t> size_of(const std::string&) override { return std::nullopt; }
    void read(const std::string&, std::uint64_t, std::uint64_t, const Sink&) override {}
    std::vector<storage::ObjectInfo> list(const std::string&) override { return plugins::s3::parse_list_page(body_).objects; }
    void remove(const std::string&) override {}

private:
    std::string_view body_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body = fuzz::as_text(data, size);
    (void)plugins::s3::upload_id_of(body);
    (void)plugins::s3::parse_error(body);
    AnsweringStore store(body);
    try {
        constexpr std::string_view kPrefix = "night/ck/";
        const auto found = storage::find_checkpoint(store, storage::parse_url("s3://bucket/night/ck", "--path"));
        for (const auto& object : found.objects) {
            if (!object.key.starts_with(kPrefix) || !util::is_plain_file_name(object.key.substr(kPrefix.size()))) std::abort();
        }
    } catch (const Error&) {
    }
    return 0;
}
