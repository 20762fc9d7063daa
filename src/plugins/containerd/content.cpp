#include "plugins/containerd/content.hpp"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "github.com/containerd/containerd/api/services/content/v1/content.grpc.pb.h"
#include "plugins/containerd/call.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"
#include "util/uuid.hpp"

namespace cedana::plugins::containerd {

namespace fs = std::filesystem;
namespace content = ::containerd::services::content::v1;

namespace {

// gRPC's default largest message is 4 MiB; a chunk well under it, with the request around it.
constexpr std::size_t kChunk = 1 << 20;

// One write session: each request answered before the next is sent, so that neither side's
// flow control can stall the other. `next` fills the chunk and says whether it is the last.
void write_session(Client& client, const Blob& blob, const Labels& labels, const std::function<bool(std::string&)>& next) {
    Call call(client, kTaskDeadline);
    auto stream = content::Content::NewStub(client.channel())->Write(&call.context);
    content::WriteContentRequest req;
    req.set_ref("cedana-" + util::new_uuid());
    req.set_total(blob.size);
    req.set_expected(blob.digest);
    std::int64_t offset = 0;
    content::WriteContentResponse answer;
    bool last = false;
    while (!last) {
        std::string chunk;
        last = next(chunk);
        req.set_action(last ? content::COMMIT : content::WRITE);
        req.set_offset(offset);
        offset += static_cast<std::int64_t>(chunk.size());
        req.set_data(std::move(chunk));
        if (last) req.mutable_labels()->insert(labels.begin(), labels.end());
        if (!stream->Write(req) || !stream->Read(&answer)) break;
        req.clear_ref();
    }
    stream->WritesDone();
    // containerd answers a commit twice (once more as its handler returns): read to the end.
    while (stream->Read(&answer)) {
    }
    const auto status = stream->Finish();
    // The same bytes stored before are the blob asked for.
    if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) return;
    if (!status.ok()) failed(client, status, "write blob " + blob.digest);
    if (!last) fail(ErrorKind::internal, "containerd ended the write of blob {} early", blob.digest);
}

}  // namespace

std::string sha256_digest(const std::string& bytes) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
    std::string hex = "sha256:";
    for (const unsigned char b : digest) hex += fmt::format("{:02x}", b);
    return hex;
}

Blob write_blob(Client& client, const fs::path& file, const Blob& expected, const Labels& labels) {
    util::UniqueFd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
    std::int64_t left = expected.size;
    write_session(client, expected, labels, [&](std::string& chunk) {
        chunk.resize(static_cast<std::size_t>(std::min<std::int64_t>(left, kChunk)));
        std::size_t got = 0;
        while (got < chunk.size()) {
            const ssize_t n = ::read(in.get(), chunk.data() + got, chunk.size() - got);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(ErrorKind::failed_precondition, "cannot read {}: {}", file.string(), std::strerror(errno));
            if (n == 0) fail(ErrorKind::failed_precondition, "{} is shorter than its {} bytes", file.string(), expected.size);
            got += static_cast<std::size_t>(n);
        }
        left -= static_cast<std::int64_t>(got);
        return left == 0;
    });
    return expected;
}

Blob write_blob(Client& client, const std::string& bytes, const std::string& media_type, const Labels& labels) {
    const Blob blob{.media_type = media_type, .digest = sha256_digest(bytes), .size = static_cast<std::int64_t>(bytes.size())};
    write_session(client, blob, labels, [&](std::string& chunk) {
        chunk = bytes;
        return true;
    });
    return blob;
}

}  // namespace cedana::plugins::containerd
