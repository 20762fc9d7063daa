#include "plugins/s3/s3_replies.hpp"

#include <charconv>

#include <pugixml.hpp>

#include "util/error.hpp"

namespace cedana::plugins::s3 {

namespace {

bool load(pugi::xml_document& doc, std::string_view body) { return static_cast<bool>(doc.load_buffer(body.data(), body.size())); }

}  // namespace

ListPage parse_list_page(std::string_view body) {
    pugi::xml_document doc;
    const auto result = load(doc, body) ? doc.child("ListBucketResult") : pugi::xml_node();
    if (!result) fail(ErrorKind::failed_precondition, "the answer is no listing (no ListBucketResult)");
    ListPage page;
    for (const auto entry : result.children("Contents")) {
        const std::string_view size = entry.child_value("Size");
        std::uint64_t bytes = 0;
        const auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), bytes);
        if (ec != std::errc() || end != size.data() + size.size()) {
            fail(ErrorKind::failed_precondition, "the listing gives \"{}\" as the size of {}", size, entry.child_value("Key"));
        }
        page.objects.push_back({.key = entry.child_value("Key"), .size = bytes});
    }
    page.truncated = std::string_view(result.child_value("IsTruncated")) == "true";
    page.next_token = result.child_value("NextContinuationToken");
    return page;
}

std::string upload_id_of(std::string_view body) {
    pugi::xml_document doc;
    if (!load(doc, body)) return "";
    return doc.child("InitiateMultipartUploadResult").child_value("UploadId");
}

ErrorReply parse_error(std::string_view body) {
    pugi::xml_document doc;
    if (!load(doc, body)) return {};
    const auto error = doc.child("Error");
    return {.code = error.child_value("Code"), .message = error.child_value("Message")};
}

}  // namespace cedana::plugins::s3
