#pragma once
// The XML S3 answers with, read into what the store needs. A server is not trusted to send
// what S3 documents: whatever it sends is either read into these or refused with a
// cedana::Error, never a crash or an exception of another kind.

#include <string>
#include <string_view>
#include <vector>

#include "storage/object_store.hpp"

namespace cedana::plugins::s3 {

// One page of ListObjectsV2.
struct ListPage {
    std::vector<storage::ObjectInfo> objects;
    bool truncated = false;
    std::string next_token;  // continuation-token of the next page
};

// Throws cedana::Error(failed_precondition) when `body` is no listing or a size is no number.
ListPage parse_list_page(std::string_view body);

// The UploadId of InitiateMultipartUploadResult, empty when there is none.
std::string upload_id_of(std::string_view body);

// Code and Message of an <Error>, empty when `body` is none.
struct ErrorReply {
    std::string code;
    std::string message;
};
ErrorReply parse_error(std::string_view body);

}  // namespace cedana::plugins::s3
