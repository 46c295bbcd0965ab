// CudaTest: the fixture every GPU test derives from. Without a usable CUDA device its SetUp() skips
// the test (GTEST_SKIP), so ctest reports GPU tests as skipped on CPU machines instead of hiding
// them. On a GPU machine set VARSCOPE_REQUIRE_CUDA=1: a missing CUDA backend then fails the tests
// instead.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "core/backend.h"
#include "varscope/config.h"

namespace varscope::test {

/// Why CUDA tests cannot run here; "" when a CUDA device is usable.
inline std::string cuda_unavailable_reason() {
  if (cuda_available()) return {};
  if constexpr (VARSCOPE_WITH_CUDA == 0) {
    return "varscope was built with VARSCOPE_WITH_CUDA=OFF";
  } else {
    return "the CUDA backend found no usable GPU (VARSCOPE_LOG_LEVEL=info logs why)";
  }
}

/// True when VARSCOPE_REQUIRE_CUDA=1: CUDA tests must run, not skip.
inline bool cuda_required() {
  const char* value = std::getenv("VARSCOPE_REQUIRE_CUDA");
  return value != nullptr && std::string_view(value) == "1";
}

/// Base fixture for tests that need a GPU; backend() is the CUDA backend.
class CudaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_available()) return;
    if (cuda_required()) {
      FAIL() << "no CUDA device: " << cuda_unavailable_reason() << ", but VARSCOPE_REQUIRE_CUDA=1";
    }
    GTEST_SKIP() << "no CUDA device: " << cuda_unavailable_reason();
  }

  Backend& backend() const { return *cuda_backend(); }
};

}  // namespace varscope::test
