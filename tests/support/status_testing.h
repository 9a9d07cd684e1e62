// Test support: GoogleTest assertions on Status and Result that print the error when they fail.
#pragma once

#include <gtest/gtest.h>

#include "storage/status.h"

// Checks that a Status (or a Result's status()) is ok and prints it when it is not.
#define AKTENWERK_EXPECT_OK(expr)                                                      \
    do {                                                                               \
        const ::aktenwerk::Status aktenwerk_test_status_ = (expr);                     \
        EXPECT_TRUE(aktenwerk_test_status_.ok()) << aktenwerk_test_status_.ToString(); \
    } while (false)
#define AKTENWERK_ASSERT_OK(expr)                                                      \
    do {                                                                               \
        const ::aktenwerk::Status aktenwerk_test_status_ = (expr);                     \
        ASSERT_TRUE(aktenwerk_test_status_.ok()) << aktenwerk_test_status_.ToString(); \
    } while (false)
