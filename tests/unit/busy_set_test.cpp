#include <gtest/gtest.h>

#include <optional>

#include "util/busy_set.hpp"

using cedana::util::BusySet;

TEST(BusySet, SecondClaimOfAKeyIsRefusedUntilTheFirstEnds) {
    BusySet<int> set;
    std::optional<BusySet<int>::Claim> first;
    first.emplace(set, 42);
    EXPECT_TRUE(first->held());
    {
        const BusySet<int>::Claim second(set, 42);
        EXPECT_FALSE(second.held());
    }
    // A refused claim does not release the key on its way out.
    {
        const BusySet<int>::Claim third(set, 42);
        EXPECT_FALSE(third.held());
    }
    first.reset();
    const BusySet<int>::Claim again(set, 42);
    EXPECT_TRUE(again.held());
}

TEST(BusySet, DifferentKeysDoNotMeet) {
    BusySet<int> set;
    const BusySet<int>::Claim a(set, 1);
    const BusySet<int>::Claim b(set, 2);
    EXPECT_TRUE(a.held());
    EXPECT_TRUE(b.held());
}
