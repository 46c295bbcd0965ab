// Host launchers for cuda/kernels/array_kernels.cu (fills, strided and row copies, transposes, Pad,
// GatherV2 rows, DynamicStitch rows, Cast), and StridedLayout: the collapsed iteration space that
// strided copies and broadcasting math kernels (cuda/kernels/math_kernels.h) share.
//
// Every launcher queues its work on `stream` and returns at once; n == 0 launches nothing. Byte
// movers take element sizes, not dtypes: one kernel per unit width serves every dtype. They throw
// CudaError when a launch fails.
#pragma once

#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "varscope/dtype.h"

namespace varscope::cuda {

/// The most dimensions a strided launch handles once size-1 dimensions are dropped and contiguous
/// neighbours merged (real shapes rarely keep more than 5).
inline constexpr int kMaxLaunchDims = 8;

/// A row-major iteration space over a contiguous output (dims, outermost first) and the element
/// strides of up to two operands along it (0 along broadcast dimensions).
struct StridedLayout {
  int rank{};
  std::array<std::int64_t, kMaxLaunchDims> dims{};
  std::array<std::int64_t, kMaxLaunchDims> strides_a{};
  std::array<std::int64_t, kMaxLaunchDims> strides_b{};

  /// Elements of the output (1 for rank 0).
  std::int64_t num_elements() const {
    std::int64_t n = 1;
    for (int d = 0; d < rank; ++d) n *= dims[static_cast<std::size_t>(d)];
    return n;
  }
};

/// `dims` with per-operand strides (`strides_b` empty: one operand) collapsed into `layout`: size-1
/// dimensions dropped, neighbours contiguous in both operands merged. False when more than
/// kMaxLaunchDims dimensions remain.
bool collapse_layout(const std::vector<std::int64_t>& dims,
                     const std::vector<std::int64_t>& strides_a,
                     const std::vector<std::int64_t>& strides_b, StridedLayout& layout);

/// Sets out[0, n) to the element at `device_value` (device memory, element_size bytes).
void fill_from_device(void* out,  // (n)
                      std::size_t element_size, std::int64_t n, const void* device_value,
                      cudaStream_t stream);

/// Sets out[0, n) to the element whose bytes are the low `element_size` bytes of `bits`.
void fill_constant(void* out,  // (n)
                   std::size_t element_size, std::int64_t n, std::uint64_t bits,
                   cudaStream_t stream);

/// out[i] = in[sum_d c_d(i) * layout.strides_a[d]] for the row-major coordinates c(i) of i in
/// layout.dims; `in` already points at the first element read (Slice's begin).
void copy_strided(const void* in, void* out,  // (layout.dims)
                  std::size_t element_size, const StridedLayout& layout, cudaStream_t stream);

/// One block copy: `rows` rows of `row_bytes`, rows `src_pitch` and `dst_pitch` bytes apart.
struct RowCopy {
  const void* src{};
  void* dst{};
  std::int64_t rows{};
  std::int64_t row_bytes{};
  std::int64_t src_pitch{};
  std::int64_t dst_pitch{};
};

/// Runs every copy (batched: a few launches for many copies, as ConcatV2 and Pack need).
void copy_rows(const std::vector<RowCopy>& copies, cudaStream_t stream);

/// (batches, m, n) -> (batches, n, m) in shared-memory tiles.
void transpose_last_two(const void* in,  // (batches, m, n)
                        void* out,       // (batches, n, m)
                        std::size_t element_size, std::int64_t batches, std::int64_t m,
                        std::int64_t n, cudaStream_t stream);

/// A padded copy: output dimension d is before[d] zeros, in_dims[d] input entries, then zeros up
/// to out_dims[d]; the input is contiguous.
struct PadLayout {
  int rank{};
  std::array<std::int64_t, kMaxLaunchDims> out_dims{};
  std::array<std::int64_t, kMaxLaunchDims> before{};
  std::array<std::int64_t, kMaxLaunchDims> in_dims{};
};

/// Writes every output element: the input where it lands, zero bits elsewhere.
void pad(const void* in,  // (layout.in_dims)
         void* out,       // (layout.out_dims)
         std::size_t element_size, const PadLayout& layout, cudaStream_t stream);

/// GatherV2 as rows: out[o, i, :] = params[o, indices[i], :], and zeros where indices[i] is not
/// in [0, limit) (a device kernel cannot fail the op; TF's GPU kernel also writes zeros).
void gather_rows(const void* params,   // (outer, limit, inner)
                 const void* indices,  // (count), int32 or int64 on the device
                 bool indices_are_int64,
                 void* out,  // (outer, count, inner)
                 std::size_t element_size, std::int64_t outer, std::int64_t count,
                 std::int64_t limit, std::int64_t inner, cudaStream_t stream);

/// dst row dst_rows[j] = src row j for every j with dst_rows[j] >= 0 (DynamicStitch). The rows
/// travel in kernel parameters (no host-to-device copy), so it is capturable in a CUDA graph.
void stitch_rows(const void* src,  // (dst_rows.size(), row_bytes)
                 void* dst, std::size_t row_bytes, const std::vector<std::int64_t>& dst_rows,
                 cudaStream_t stream);

/// out[i] = in[i] converted with TF's Cast semantics (those of cpu/kernels/kernel_util.h: 16-bit
/// floats through float, x != 0 for bool). Every dtype but complex64.
void cast_elements(const void* in, DType from, void* out, DType to, std::int64_t n,
                   cudaStream_t stream);

}  // namespace varscope::cuda
