// Host launcher for cuda/kernels/pad_nhwc.cu: the layout copies around the cuDNN convolutions.
//
// One gather kernel does all of them: every element of a packed 4-D output reads one element of a
// strided 4-D source, or writes zero where the (shifted) index falls outside the source. That is
//   - explicit padding (TF's SAME padding puts the odd pixel after the input, which cuDNN's
//     symmetric padding cannot say): shift 0 and an output larger than the source;
//   - cropping (the input gradient of such a padded convolution): an output smaller than the
//   source;
//   - layout changes (NHWC <-> NCHW, the (KH, KW, C_in, C_out) filter <-> cuDNN's KRSC or KCRS):
//     source strides listed in the output's axis order;
// and any mix of them in one pass.
#pragma once

#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace varscope::cuda {

/// out[i0, i1, i2, i3] = src[sum_k (i_k + shift[k]) * src_strides[k]] when 0 <= i_k + shift[k] <
/// src_extents[k] for every k, else 0.
struct Copy4d {
  std::array<std::int64_t, 4> out_dims{};     // the packed output, outermost first
  std::array<std::int64_t, 4> src_extents{};  // the source's extent along each output axis
  std::array<std::int64_t, 4> src_strides{};  // in elements, along each output axis
  std::array<std::int64_t, 4> shift{};        // source index = output index + shift
};

/// Queues the copy of `copy` on `stream`; `element_bytes` is 2, 4 or 8 (elements are moved as bits;
/// the zero written is all-zero bits, i.e. +0.0). Nothing to do when the output is empty. Throws
/// InvalidArgumentError for another element size and CudaError when the launch fails.
void copy_4d(void* out, const void* src, const Copy4d& copy, std::size_t element_bytes,
             cudaStream_t stream);

}  // namespace varscope::cuda
