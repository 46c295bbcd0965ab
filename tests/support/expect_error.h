// Assertions on varscope errors: the exception type and its exact message (or prefix).
#pragma once

#include <gtest/gtest.h>

#include <string>

// Expects `statement` to throw `ErrorType` whose what() equals `message` exactly.
#define VS_EXPECT_ERROR(statement, ErrorType, message)                                   \
  do {                                                                                   \
    try {                                                                                \
      statement;                                                                         \
      ADD_FAILURE() << "expected " #ErrorType " from: " #statement;                      \
    } catch (const ErrorType& vs_error_) {                                               \
      EXPECT_EQ(std::string(vs_error_.what()), std::string(message));                    \
    } catch (const std::exception& vs_other_) {                                          \
      ADD_FAILURE() << "expected " #ErrorType ", got another exception: " << vs_other_.what(); \
    }                                                                                    \
  } while (0)

// Expects `statement` to throw `ErrorType` whose what() starts with `prefix`.
#define VS_EXPECT_ERROR_PREFIX(statement, ErrorType, prefix)                             \
  do {                                                                                   \
    try {                                                                                \
      statement;                                                                         \
      ADD_FAILURE() << "expected " #ErrorType " from: " #statement;                      \
    } catch (const ErrorType& vs_error_) {                                               \
      EXPECT_EQ(std::string(vs_error_.what()).substr(0, std::string(prefix).size()),     \
                std::string(prefix));                                                    \
    } catch (const std::exception& vs_other_) {                                          \
      ADD_FAILURE() << "expected " #ErrorType ", got another exception: " << vs_other_.what(); \
    }                                                                                    \
  } while (0)

// Expects `statement` to throw `ErrorType` whose what() contains `fragment`.
#define VS_EXPECT_ERROR_CONTAINS(statement, ErrorType, fragment)                         \
  do {                                                                                   \
    try {                                                                                \
      statement;                                                                         \
      ADD_FAILURE() << "expected " #ErrorType " from: " #statement;                      \
    } catch (const ErrorType& vs_error_) {                                               \
      EXPECT_NE(std::string(vs_error_.what()).find(fragment), std::string::npos)         \
          << "message: " << vs_error_.what();                                            \
    } catch (const std::exception& vs_other_) {                                          \
      ADD_FAILURE() << "expected " #ErrorType ", got another exception: " << vs_other_.what(); \
    }                                                                                    \
  } while (0)
