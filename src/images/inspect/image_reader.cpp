#include "images/inspect/image_reader.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>

#include "util/error.hpp"

namespace cedana::images::inspect {

namespace fs = std::filesystem;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

namespace {

std::uint32_t le32(const std::string& data, std::size_t offset) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data() + offset);
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        int err = errno;
        if (err == ENOENT) fail(ErrorKind::not_found, "image {} is missing", path.string());
        fail(ErrorKind::failed_precondition, "cannot read image {}: {}", path.string(), std::strerror(err));
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) fail(ErrorKind::failed_precondition, "cannot read image {}", path.string());
    return data;
}

}  // namespace

void corrupt(const fs::path& path, const std::string& what) {
    fail(ErrorKind::failed_precondition, "image {} is corrupt: {}", path.string(), what);
}

Message::Message(std::shared_ptr<const UnknownFieldSet> fields, std::string source)
    : fields_(std::move(fields)), source_(std::move(source)) {}

Message Message::parse(const void* data, std::size_t size, const std::string& source) {
    auto fields = std::make_shared<UnknownFieldSet>();
    if (size > INT_MAX || !fields->ParseFromArray(data, static_cast<int>(size)))
        fail(ErrorKind::failed_precondition, "image {} is corrupt: not a protobuf message", source);
    return Message(std::move(fields), source);
}

void Message::wrong_type(int number, const char* expected) const {
    fail(ErrorKind::failed_precondition, "image {} is corrupt: field {} is not {}", source_, number, expected);
}

bool Message::has(int number) const {
    for (int i = 0; i < fields_->field_count(); ++i)
        if (fields_->field(i).number() == number) return true;
    return false;
}

std::optional<std::uint64_t> Message::varint(int number) const {
    std::optional<std::uint64_t> value;
    for (int i = 0; i < fields_->field_count(); ++i) {
        const UnknownField& f = fields_->field(i);
        if (f.number() != number) continue;
        if (f.type() != UnknownField::TYPE_VARINT) wrong_type(number, "a varint");
        value = f.varint();
    }
    return value;
}

std::uint64_t Message::required_varint(int number, const char* name) const {
    auto value = varint(number);
    if (!value) fail(ErrorKind::failed_precondition, "image {} is corrupt: no {} (field {})", source_, name, number);
    return *value;
}

std::vector<std::uint64_t> Message::varints(int number) const {
    std::vector<std::uint64_t> values;
    for (int i = 0; i < fields_->field_count(); ++i) {
        const UnknownField& f = fields_->field(i);
        if (f.number() != number) continue;
        if (f.type() == UnknownField::TYPE_VARINT) {
            values.push_back(f.varint());
        } else if (f.type() == UnknownField::TYPE_LENGTH_DELIMITED) {  // packed
            const std::string& packed = f.length_delimited();
            google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(packed.data()),
                                                      static_cast<int>(packed.size()));
            while (in.BytesUntilLimit() > 0) {
                std::uint64_t v = 0;
                if (!in.ReadVarint64(&v)) wrong_type(number, "packed varints");
                values.push_back(v);
            }
        } else {
            wrong_type(number, "a varint");
        }
    }
    return values;
}

std::optional<std::string> Message::bytes(int number) const {
    std::optional<std::string> value;
    for (int i = 0; i < fields_->field_count(); ++i) {
        const UnknownField& f = fields_->field(i);
        if (f.number() != number) continue;
        if (f.type() != UnknownField::TYPE_LENGTH_DELIMITED) wrong_type(number, "length-delimited");
        value = f.length_delimited();
    }
    return value;
}

std::optional<Message> Message::message(int number) const {
    auto data = bytes(number);
    if (!data) return std::nullopt;
    return parse(data->data(), data->size(), fmt::format("{} (field {})", source_, number));
}

std::vector<Message> Message::messages(int number) const {
    std::vector<Message> out;
    for (int i = 0; i < fields_->field_count(); ++i) {
        const UnknownField& f = fields_->field(i);
        if (f.number() != number) continue;
        if (f.type() != UnknownField::TYPE_LENGTH_DELIMITED) wrong_type(number, "a message");
        const std::string& data = f.length_delimited();
        out.push_back(parse(data.data(), data.size(), fmt::format("{} (field {})", source_, number)));
    }
    return out;
}

Image read_image(const fs::path& path, std::uint32_t expected_magic) {
    const std::string data = read_file(path);
    Image image;
    image.path = path;
    std::size_t offset = 0;
    if (data.size() < 4) corrupt(path, fmt::format("{} bytes, too short for a magic", data.size()));
    image.magic = le32(data, 0);
    offset = 4;
    if (image.magic == magic::common || image.magic == magic::service) {
        if (data.size() < 8) corrupt(path, "too short for an image magic");
        image.magic = le32(data, 4);
        offset = 8;
    }
    if (image.magic != expected_magic)
        corrupt(path, fmt::format("magic {:#010x}, expected {:#010x}", image.magic, expected_magic));

    while (offset < data.size()) {
        if (data.size() - offset < 4)
            corrupt(path, fmt::format("truncated entry header at offset {}", offset));
        const std::uint32_t size = le32(data, offset);
        offset += 4;
        if (data.size() - offset < size)
            corrupt(path, fmt::format("entry at offset {} claims {} bytes, only {} left", offset - 4, size,
                                      data.size() - offset));
        image.entries.push_back(Message::parse(data.data() + offset, size,
                                               fmt::format("{} entry {}", path.string(), image.entries.size())));
        offset += size;
    }
    return image;
}

std::optional<Image> read_image_if_present(const fs::path& path, std::uint32_t expected_magic) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return std::nullopt;
    return read_image(path, expected_magic);
}

}  // namespace cedana::images::inspect
