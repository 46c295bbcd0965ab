// VS_CUDA_CHECK / VS_CUBLAS_CHECK / VS_CUDNN_CHECK: the CudaError text. Formatting a status needs
// no device, so these run everywhere the CUDA backend is built.
#include <cublas_v2.h>
#include <cudnn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "cuda/check.h"
#include "varscope/error.h"

namespace varscope {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(CudaCheck, MessageNamesCodeStatusCallAndLocation) {
  EXPECT_EQ(
      cuda::cuda_error_message(cudaErrorMemoryAllocation, "cudaMalloc(&p, n)", "cuda/x.cpp", 12),
      "CUDA error 2 (cudaErrorMemoryAllocation: out of memory) in cudaMalloc(&p, n) at "
      "cuda/x.cpp:12");
}

TEST(CudaCheck, ThrowsCudaErrorOnFailureOnly) {
  EXPECT_NO_THROW(VS_CUDA_CHECK(cudaSuccess));
  try {
    VS_CUDA_CHECK(cudaErrorInvalidValue);
    FAIL() << "VS_CUDA_CHECK did not throw";
  } catch (const CudaError& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCuda);
    EXPECT_THAT(e.what(), StartsWith("CUDA error 1 (cudaErrorInvalidValue: invalid argument) in "
                                     "cudaErrorInvalidValue at "));
    EXPECT_THAT(e.what(), HasSubstr("cuda_check_test.cpp:"));
  }
}

TEST(CudaCheck, CublasStatusIsNamed) {
  try {
    VS_CUBLAS_CHECK(CUBLAS_STATUS_INVALID_VALUE);
    FAIL() << "VS_CUBLAS_CHECK did not throw";
  } catch (const CudaError& e) {
    EXPECT_THAT(e.what(), StartsWith("cuBLAS error 7 (CUBLAS_STATUS_INVALID_VALUE: "));
    EXPECT_THAT(e.what(), HasSubstr("in CUBLAS_STATUS_INVALID_VALUE at "));
  }
  EXPECT_NO_THROW(VS_CUBLAS_CHECK(CUBLAS_STATUS_SUCCESS));
}

TEST(CudaCheck, CudnnStatusIsNamed) {
  try {
    VS_CUDNN_CHECK(CUDNN_STATUS_BAD_PARAM);
    FAIL() << "VS_CUDNN_CHECK did not throw";
  } catch (const CudaError& e) {
    EXPECT_THAT(e.what(), StartsWith("cuDNN error 2000 (CUDNN_STATUS_BAD_PARAM) in "
                                     "CUDNN_STATUS_BAD_PARAM at "));
  }
  EXPECT_NO_THROW(VS_CUDNN_CHECK(CUDNN_STATUS_SUCCESS));
}

}  // namespace
}  // namespace varscope
