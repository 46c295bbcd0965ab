// cuBLASLt's bias epilogues (CUBLASLT_EPILOGUE_BIAS, CUBLASLT_EPILOGUE_RELU_BIAS), with the
// row-major trick of cuda/kernels/matmul_kernels.cpp: the row-major (m, n) result is the
// column-major (n, m) matrix C^T = op(B)^T op(A)^T, so cuBLASLt's A is our b and its B our a, with
// the same transpose flags; the bias then runs along C^T's rows, which is what the epilogue
// broadcasts (one value per row of its D). The heuristic's first algorithm is cached per problem
// (process-wide); a problem it has none for is remembered too, and left to the caller.
#include "cuda/lt_matmul.h"

#include <cublasLt.h>

#include <map>
#include <mutex>
#include <optional>
#include <tuple>

#include "cuda/check.h"
#include "cuda/handles.h"
#include "cuda/library_handles.h"

namespace varscope::cuda {
namespace {

using MatmulDesc = UniqueHandle<cublasLtMatmulDesc_t, cublasLtMatmulDescDestroy>;
using MatrixLayout = UniqueHandle<cublasLtMatrixLayout_t, cublasLtMatrixLayoutDestroy>;
using Preference = UniqueHandle<cublasLtMatmulPreference_t, cublasLtMatmulPreferenceDestroy>;

// The descriptors of one problem.
struct Descriptors {
  MatmulDesc matmul;
  MatrixLayout a, b, c;  // cuBLASLt's A (our b), B (our a), C = D (the output)
};

template <class T>
void set(cublasLtMatmulDesc_t desc, cublasLtMatmulDescAttributes_t attribute, const T& value) {
  VS_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc, attribute, &value, sizeof(value)));
}

MatrixLayout layout(std::uint64_t rows, std::uint64_t cols, std::int64_t ld) {
  cublasLtMatrixLayout_t handle = nullptr;
  VS_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&handle, CUDA_R_32F, rows, cols, ld));
  return MatrixLayout(handle);
}

Descriptors descriptors(const BiasMatmul& p, const void* bias) {
  cublasLtMatmulDesc_t matmul = nullptr;
  VS_CUBLAS_CHECK(cublasLtMatmulDescCreate(
      &matmul, p.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUDA_R_32F));
  Descriptors d{MatmulDesc(matmul), {}, {}, {}};
  set(matmul, CUBLASLT_MATMUL_DESC_TRANSA, p.transpose_b ? CUBLAS_OP_T : CUBLAS_OP_N);
  set(matmul, CUBLASLT_MATMUL_DESC_TRANSB, p.transpose_a ? CUBLAS_OP_T : CUBLAS_OP_N);
  set(matmul, CUBLASLT_MATMUL_DESC_EPILOGUE,
      p.relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS);
  set(matmul, CUBLASLT_MATMUL_DESC_BIAS_POINTER, bias);
  // Stored column-major: our row-major b is (k, n) or (n, k), our a (m, k) or (k, m).
  const auto n = static_cast<std::uint64_t>(p.n), m = static_cast<std::uint64_t>(p.m),
             k = static_cast<std::uint64_t>(p.k);
  d.a = p.transpose_b ? layout(k, n, p.k) : layout(n, k, p.n);
  d.b = p.transpose_a ? layout(m, k, p.m) : layout(k, m, p.k);
  d.c = layout(n, m, p.n);
  return d;
}

using Key = std::tuple<int, bool, std::int64_t, std::int64_t, std::int64_t, bool, bool, bool>;

std::mutex cache_mutex;
std::map<Key, std::optional<cublasLtMatmulAlgo_t>> algorithms;  // nullopt: cuBLASLt has none

std::optional<cublasLtMatmulAlgo_t> algorithm_for(const Descriptors& d, cublasLtHandle_t handle,
                                                  const Key& key) {
  {
    std::lock_guard lock(cache_mutex);
    if (const auto it = algorithms.find(key); it != algorithms.end()) return it->second;
  }
  cublasLtMatmulPreference_t preference = nullptr;
  VS_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&preference));
  const Preference owned(preference);
  const std::uint64_t workspace = CublasLtHandle::kWorkspaceBytes;
  VS_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof(workspace)));
  cublasLtMatmulHeuristicResult_t result{};
  int returned = 0;
  const cublasStatus_t status =
      cublasLtMatmulAlgoGetHeuristic(handle, d.matmul.get(), d.a.get(), d.b.get(), d.c.get(),
                                     d.c.get(), preference, 1, &result, &returned);
  std::optional<cublasLtMatmulAlgo_t> found;
  if (status == CUBLAS_STATUS_SUCCESS && returned > 0) {
    found = result.algo;
  } else if (status != CUBLAS_STATUS_NOT_SUPPORTED && status != CUBLAS_STATUS_SUCCESS) {
    VS_CUBLAS_CHECK(status);
  }
  std::lock_guard lock(cache_mutex);
  return algorithms.emplace(key, found).first->second;
}

}  // namespace

bool bias_matmul(const BiasMatmul& p, const void* a, const void* b, const void* bias, void* out,
                 cudaStream_t stream) {
  if (p.dtype != DType::kFloat32 || p.m <= 0 || p.n <= 0 || p.k <= 0) return false;
  int device = 0;
  VS_CUDA_CHECK(cudaGetDevice(&device));
  const Key key{device, p.tf32, p.m, p.n, p.k, p.transpose_a, p.transpose_b, p.relu};
  CublasLtHandle& handle = cublaslt_handle();
  const Descriptors d = descriptors(p, bias);
  const std::optional<cublasLtMatmulAlgo_t> algorithm = algorithm_for(d, handle.get(), key);
  if (!algorithm) return false;
  const float one = 1.0F, zero = 0.0F;
  VS_CUBLAS_CHECK(cublasLtMatmul(handle.get(), d.matmul.get(), &one, b, d.a.get(), a, d.b.get(),
                                 &zero, out, d.c.get(), out, d.c.get(), &*algorithm,
                                 handle.workspace(), CublasLtHandle::kWorkspaceBytes, stream));
  return true;
}

}  // namespace varscope::cuda
