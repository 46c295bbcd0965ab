// The 4-D gather copy of pad_nhwc.h: one thread per output element in a grid-stride loop. Output
// writes are coalesced; reads are too when the innermost output axis is the source's innermost
// (padding and cropping NHWC), strided for transposes (filters: small).
//
// Index arithmetic is 32-bit when both the output and the source span fit, 64-bit otherwise: the
// three divisions per element are most of the work and 64-bit ones are several times slower.
#include <algorithm>
#include <cstdint>
#include <string>

#include "cuda/check.h"
#include "cuda/kernels/pad_nhwc.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

constexpr int kThreads = 256;
constexpr std::int64_t kMaxBlocks = 2048;

template <class Index>
struct Copy4dParams {
  Index dims[4]{};
  Index extents[4]{};
  Index strides[4]{};
  Index shift[4]{};
};

template <class Element, class Index>
__global__ void copy_4d_kernel(Element* __restrict__ out, const Element* __restrict__ src,
                               Copy4dParams<Index> p, Index total) {
  const Index step = static_cast<Index>(blockDim.x) * static_cast<Index>(gridDim.x);
  for (Index i = static_cast<Index>(blockIdx.x) * static_cast<Index>(blockDim.x) +
                 static_cast<Index>(threadIdx.x);
       i < total; i += step) {
    Index rest = i;
    const Index j3 = rest % p.dims[3] + p.shift[3];
    rest /= p.dims[3];
    const Index j2 = rest % p.dims[2] + p.shift[2];
    rest /= p.dims[2];
    const Index j1 = rest % p.dims[1] + p.shift[1];
    const Index j0 = rest / p.dims[1] + p.shift[0];
    const bool inside = j0 >= 0 && j0 < p.extents[0] && j1 >= 0 && j1 < p.extents[1] && j2 >= 0 &&
                        j2 < p.extents[2] && j3 >= 0 && j3 < p.extents[3];
    out[i] =
        inside ? src[j0 * p.strides[0] + j1 * p.strides[1] + j2 * p.strides[2] + j3 * p.strides[3]]
               : Element(0);
  }
}

template <class Element, class Index>
void launch(void* out, const void* src, const Copy4d& copy, std::int64_t total,
            cudaStream_t stream) {
  Copy4dParams<Index> p;
  for (int k = 0; k < 4; ++k) {
    p.dims[k] = static_cast<Index>(copy.out_dims[k]);
    p.extents[k] = static_cast<Index>(copy.src_extents[k]);
    p.strides[k] = static_cast<Index>(copy.src_strides[k]);
    p.shift[k] = static_cast<Index>(copy.shift[k]);
  }
  const auto blocks = static_cast<unsigned int>(
      std::min<std::int64_t>((total + kThreads - 1) / kThreads, kMaxBlocks));
  copy_4d_kernel<Element, Index><<<blocks, kThreads, 0, stream>>>(
      static_cast<Element*>(out), static_cast<const Element*>(src), p, static_cast<Index>(total));
  VS_CUDA_CHECK(cudaGetLastError());
}

template <class Element>
void launch_indexed(void* out, const void* src, const Copy4d& copy, std::int64_t total,
                    cudaStream_t stream) {
  // The largest source offset read, and the largest index or shifted index formed.
  std::int64_t largest = total;
  std::int64_t span = 0;
  for (int k = 0; k < 4; ++k) {
    span += std::max<std::int64_t>(copy.src_extents[k] - 1, 0) * copy.src_strides[k];
    largest =
        std::max({largest, copy.out_dims[k] + (copy.shift[k] < 0 ? -copy.shift[k] : copy.shift[k]),
                  copy.src_extents[k]});
  }
  constexpr std::int64_t kInt32Max = 2147483647;
  if (span < kInt32Max && largest < kInt32Max) {
    launch<Element, std::int32_t>(out, src, copy, total, stream);
  } else {
    launch<Element, std::int64_t>(out, src, copy, total, stream);
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------------
// Launchers

void copy_4d(void* out, const void* src, const Copy4d& copy, std::size_t element_bytes,
             cudaStream_t stream) {
  std::int64_t total = 1;
  for (std::int64_t d : copy.out_dims) total *= d;
  if (total <= 0) return;
  switch (element_bytes) {
    case 2:
      launch_indexed<std::uint16_t>(out, src, copy, total, stream);
      return;
    case 4:
      launch_indexed<std::uint32_t>(out, src, copy, total, stream);
      return;
    case 8:
      launch_indexed<std::uint64_t>(out, src, copy, total, stream);
      return;
    default:
      throw InvalidArgumentError("[copy_4d] element size must be 2, 4 or 8 bytes, got " +
                                 std::to_string(element_bytes));
  }
}

}  // namespace varscope::cuda
