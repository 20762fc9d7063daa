#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "images/architecture.hpp"
#include "images/inspect/image_reader.hpp"
#include "temp_dir.hpp"
#include "test_errors.hpp"

namespace cedana::images {
namespace {

namespace fs = std::filesystem;

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

// core-PID.img holding one core_entry whose only field is mtype (field 1, a varint).
void write_core(const fs::path& dir, int pid, std::uint8_t mtype) {
    std::string image;
    put_u32(image, inspect::magic::common);
    put_u32(image, inspect::magic::core);
    put_u32(image, 2);
    image += '\x08';
    image += static_cast<char>(mtype);
    std::ofstream(dir / ("core-" + std::to_string(pid) + ".img"), std::ios::binary) << image;
}

TEST(Architecture, ReadFromTheRootTasksCoreImage) {
    cedana::testing::TempDir tmp;
    write_core(tmp.path(), 7, 3);
    EXPECT_EQ(checkpoint_architecture(tmp.path(), 7), "aarch64");
    write_core(tmp.path(), 8, 42);
    EXPECT_EQ(checkpoint_architecture(tmp.path(), 8), "an unknown architecture (42)");
    EXPECT_EQ(checkpoint_architecture(tmp.path(), 9), std::nullopt);
}

TEST(Architecture, AnotherMachinesCheckpointIsRefusedNamingBoth) {
    cedana::testing::TempDir tmp;
    const std::uint8_t other = host_architecture() == "aarch64" ? 1 : 3;
    write_core(tmp.path(), 7, other);
    const std::string message = cedana::testing::error_message([&] { check_architecture(tmp.path(), 7, "/ck/cp"); });
    EXPECT_NE(message.find("/ck/cp was made on"), std::string::npos) << message;
    EXPECT_NE(message.find("this machine is " + host_architecture()), std::string::npos) << message;
}

TEST(Architecture, ThisMachinesCheckpointAndOneWithoutACoreImagePass) {
    cedana::testing::TempDir tmp;
    write_core(tmp.path(), 7, host_architecture() == "aarch64" ? 3 : 1);
    EXPECT_NO_THROW(check_architecture(tmp.path(), 7, "/ck/cp"));
    EXPECT_NO_THROW(check_architecture(tmp.path(), 99, "/ck/cp"));
}

}  // namespace
}  // namespace cedana::images
