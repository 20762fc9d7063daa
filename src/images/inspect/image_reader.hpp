#pragma once
// Reading CRIU image files without their .proto definitions.
//
// An image file is: for most images a 4-byte "common magic", then the image's own 4-byte
// magic, then entries, each a 4-byte little-endian length followed by that many bytes of a
// serialized protobuf message. Messages are parsed into google::protobuf::UnknownFieldSet,
// which gives their fields by number; Message wraps that with typed, checked accessors.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/unknown_field_set.h>

namespace cedana::images::inspect {

// Image magics (the values CRIU writes, little-endian, at the head of each file).
namespace magic {
inline constexpr std::uint32_t common = 0x54564319;   // precedes the image's own magic
inline constexpr std::uint32_t service = 0x55105940;  // precedes service files' magic
inline constexpr std::uint32_t inventory = 0x58313116;
inline constexpr std::uint32_t pstree = 0x50273030;
inline constexpr std::uint32_t core = 0x55053847;
inline constexpr std::uint32_t ids = 0x54432030;
inline constexpr std::uint32_t fdinfo = 0x56213732;
inline constexpr std::uint32_t files = 0x56303138;
inline constexpr std::uint32_t mm = 0x57492820;
inline constexpr std::uint32_t pagemap = 0x56084025;
}  // namespace magic

// One decoded protobuf message. Accessors look fields up by number; a field that is present
// with the wrong wire type counts as corruption and throws, naming `source`.
class Message {
public:
    Message(std::shared_ptr<const google::protobuf::UnknownFieldSet> fields, std::string source);

    // Parses `size` bytes at `data`; throws cedana::Error (failed_precondition) naming
    // `source` when they are not a well-formed message.
    static Message parse(const void* data, std::size_t size, const std::string& source);

    [[nodiscard]] bool has(int number) const;
    // The last occurrence of a varint field, or nullopt when absent.
    [[nodiscard]] std::optional<std::uint64_t> varint(int number) const;
    // Like varint(), but throws when the field is absent (for CRIU's required fields).
    [[nodiscard]] std::uint64_t required_varint(int number, const char* name) const;
    // Every occurrence of a repeated varint field, packed or not.
    [[nodiscard]] std::vector<std::uint64_t> varints(int number) const;
    // The last occurrence of a string/bytes field.
    [[nodiscard]] std::optional<std::string> bytes(int number) const;
    // The last occurrence of an embedded message field.
    [[nodiscard]] std::optional<Message> message(int number) const;
    // Every occurrence of a repeated embedded message field.
    [[nodiscard]] std::vector<Message> messages(int number) const;

    [[nodiscard]] const std::string& source() const { return source_; }

private:
    [[noreturn]] void wrong_type(int number, const char* expected) const;

    std::shared_ptr<const google::protobuf::UnknownFieldSet> fields_;
    std::string source_;
};

// A whole image file: its magic and its entries in order.
struct Image {
    std::filesystem::path path;
    std::uint32_t magic = 0;
    std::vector<Message> entries;
};

// Reads the image at `path`, which must carry `expected_magic`. Throws cedana::Error:
// not_found when the file does not exist, failed_precondition when it cannot be read, has
// another magic, or is truncated or corrupt; the message names the file.
Image read_image(const std::filesystem::path& path, std::uint32_t expected_magic);

// Like read_image(), but nullopt when the file does not exist.
std::optional<Image> read_image_if_present(const std::filesystem::path& path, std::uint32_t expected_magic);

// Throws cedana::Error (failed_precondition) saying `what` is wrong in `path`.
[[noreturn]] void corrupt(const std::filesystem::path& path, const std::string& what);

}  // namespace cedana::images::inspect
