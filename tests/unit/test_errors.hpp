#pragma once
// What a call that must fail said.

#include <gtest/gtest.h>

#include <exception>
#include <string>

#include "util/error.hpp"

namespace cedana::testing {

// Runs `f`, which must throw cedana::Error of `kind`, and returns its message so that the
// caller can check what it names.
template <typename F>
std::string error_message(F&& f, ErrorKind kind = ErrorKind::invalid_argument) {
    try {
        f();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected cedana::Error, got another exception: " << e.what();
        return {};
    }
    ADD_FAILURE() << "expected cedana::Error, nothing was thrown";
    return {};
}

}  // namespace cedana::testing
