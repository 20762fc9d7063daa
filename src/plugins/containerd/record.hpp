#pragma once
// A container record as the checkpoint keeps it (checkpoint_files.hpp, kRecordFile): JSON
// with its spec as the JSON it is, readable and enough to make the container again. The
// runtime's options stay containerd's serialized proto, base64.

#include <string>

#include "plugins/containerd/client.hpp"

namespace cedana::plugins::containerd {

std::string record_to_json(const ContainerRecord& record);

// Throws cedana::Error(invalid_argument) naming `origin` when the text is not such a record.
ContainerRecord record_from_json(const std::string& text, const std::string& origin);

}  // namespace cedana::plugins::containerd
