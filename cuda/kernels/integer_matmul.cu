// Integer MatMul (see integer_matmul.h): a shared-memory tiled GEMM. A block of 32 x 8 threads owns
// a 32 x 32 tile of C (4 rows per thread) and walks K in 32-wide slabs of A and B staged in shared
// memory (padded by one column against bank conflicts). Tiles are handed out in a grid-stride loop
// over a 1-D grid, so any m and n fit. Arithmetic is unsigned: wrap-around without undefined
// behaviour, and the bits are those of two's complement signed arithmetic.
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "cuda/check.h"
#include "cuda/kernels/integer_matmul.h"

namespace varscope::cuda {
namespace {

constexpr int kTile = 32;
constexpr int kRowsPerThread = 4;
constexpr int kThreadRows = kTile / kRowsPerThread;  // 8
constexpr std::int64_t kMaxBlocks = 4096;

template <class T>
__global__ void integer_matmul_kernel(IntegerMatmul p, const T* __restrict__ a,
                                      const T* __restrict__ b, T* __restrict__ c) {
  using U = std::make_unsigned_t<T>;
  __shared__ U a_tile[kTile][kTile + 1];  // [row of C][k]
  __shared__ U b_tile[kTile][kTile + 1];  // [k][column of C]
  const int tx = static_cast<int>(threadIdx.x);
  const int ty = static_cast<int>(threadIdx.y);
  // Row lengths of A and B as stored.
  const std::int64_t lda = p.transpose_a ? p.m : p.k;
  const std::int64_t ldb = p.transpose_b ? p.k : p.n;
  const std::int64_t tiles_n = (p.n + kTile - 1) / kTile;
  const std::int64_t tiles = ((p.m + kTile - 1) / kTile) * tiles_n;
  for (std::int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const std::int64_t row0 = (tile / tiles_n) * kTile;
    const std::int64_t col0 = (tile % tiles_n) * kTile;
    U acc[kRowsPerThread] = {};
    for (std::int64_t k0 = 0; k0 < p.k; k0 += kTile) {
      for (int r = 0; r < kRowsPerThread; ++r) {
        const int local = ty + r * kThreadRows;
        const std::int64_t i = row0 + local;  // row of C
        const std::int64_t ka = k0 + tx;
        U av = 0;
        if (i < p.m && ka < p.k)
          av = static_cast<U>(p.transpose_a ? a[ka * lda + i] : a[i * lda + ka]);
        a_tile[local][tx] = av;
        const std::int64_t kb = k0 + local;
        const std::int64_t j = col0 + tx;  // column of C
        U bv = 0;
        if (kb < p.k && j < p.n)
          bv = static_cast<U>(p.transpose_b ? b[j * ldb + kb] : b[kb * ldb + j]);
        b_tile[local][tx] = bv;
      }
      __syncthreads();
#pragma unroll 8
      for (int kk = 0; kk < kTile; ++kk) {
        const U bv = b_tile[kk][tx];
        for (int r = 0; r < kRowsPerThread; ++r) acc[r] += a_tile[ty + r * kThreadRows][kk] * bv;
      }
      __syncthreads();
    }
    for (int r = 0; r < kRowsPerThread; ++r) {
      const std::int64_t i = row0 + ty + r * kThreadRows;
      const std::int64_t j = col0 + tx;
      if (i < p.m && j < p.n) c[i * p.n + j] = static_cast<T>(acc[r]);
    }
  }
}

template <class T>
void launch(const IntegerMatmul& p, const T* a, const T* b, T* c, cudaStream_t stream) {
  if (p.m <= 0 || p.n <= 0 || p.k <= 0) return;
  const std::int64_t tiles = ((p.m + kTile - 1) / kTile) * ((p.n + kTile - 1) / kTile);
  const auto blocks = static_cast<unsigned int>(std::min(tiles, kMaxBlocks));
  integer_matmul_kernel<T><<<blocks, dim3(kTile, kThreadRows), 0, stream>>>(p, a, b, c);
  VS_CUDA_CHECK(cudaGetLastError());
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void integer_matmul(const IntegerMatmul& p, const std::int32_t* a, const std::int32_t* b,
                    std::int32_t* c, cudaStream_t stream) {
  launch(p, a, b, c, stream);
}

void integer_matmul(const IntegerMatmul& p, const std::int64_t* a, const std::int64_t* b,
                    std::int64_t* c, cudaStream_t stream) {
  launch(p, a, b, c, stream);
}

}  // namespace varscope::cuda
