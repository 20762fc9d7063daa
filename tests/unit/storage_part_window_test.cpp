#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>

#include "storage/part_window.hpp"
#include "test_errors.hpp"

namespace cedana::storage {
namespace {

using testing::error_message;

struct Sent {
    std::mutex mutex;
    std::map<int, std::pair<std::uint64_t, std::string>> parts;
    PartWindow::Sender sender() {
        return [this](int number, std::uint64_t offset, const std::string& data) {
            const std::lock_guard lock(mutex);
            parts[number] = {offset, data};
        };
    }
};

TEST(PartWindow, CutsPartsAtTheirSizeWithTheirOffsets) {
    Sent sent;
    {
        PartWindow window({.part_size = 4, .window = 2, .workers = 2}, sent.sender());
        window.append("abcdefghij", 10);
        EXPECT_EQ(window.size(), 10u);
        window.drain();
    }
    ASSERT_EQ(sent.parts.size(), 3u);
    EXPECT_EQ(sent.parts[1], (std::pair<std::uint64_t, std::string>{0, "abcd"}));
    EXPECT_EQ(sent.parts[2], (std::pair<std::uint64_t, std::string>{4, "efgh"}));
    EXPECT_EQ(sent.parts[3], (std::pair<std::uint64_t, std::string>{8, "ij"}));
}

TEST(PartWindow, ReservedRoomHoldsBackOnlyItsPart) {
    Sent sent;
    PartWindow window({.part_size = 4, .window = 4, .workers = 1}, sent.sender());
    window.append("ab", 2);
    const auto at = window.reserve(3);  // bytes 2..4: parts 1 and 2
    EXPECT_EQ(at, 2u);
    window.append("fghijklm", 8);        // bytes 5..12: parts 2, 3 and 4
    window.fill(at, "cde", 3);
    window.drain();
    std::string whole;
    for (const auto& [number, part] : sent.parts) {
        EXPECT_EQ(part.first, whole.size());
        whole += part.second;
    }
    EXPECT_EQ(whole, "abcdefghijklm");
}

TEST(PartWindow, AnEmptyObjectSendsOneEmptyPart) {
    Sent sent;
    PartWindow window({.part_size = 4, .window = 1, .workers = 1}, sent.sender());
    window.drain();
    ASSERT_EQ(sent.parts.size(), 1u);
    EXPECT_EQ(sent.parts[1].second, "");
}

TEST(PartWindow, ASendersErrorFailsTheUpload) {
    PartWindow window({.part_size = 2, .window = 1, .workers = 1},
                      [](int number, std::uint64_t, const std::string&) { fail(ErrorKind::failed_precondition, "part {} refused", number); });
    const std::string message = error_message(
        [&] {
            for (int i = 0; i < 100; ++i) window.append("xy", 2);
            window.drain();
        },
        ErrorKind::failed_precondition);
    EXPECT_NE(message.find("refused"), std::string::npos);
    EXPECT_NE(error_message([&] { window.drain(); }, ErrorKind::failed_precondition).find("refused"), std::string::npos);
}

}  // namespace
}  // namespace cedana::storage
