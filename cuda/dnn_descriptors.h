// RAII cuDNN descriptors (tensor, filter, convolution, pooling) for the legacy cuDNN API, built on
// UniqueHandle: each constructor creates and sets its descriptor and throws CudaError when cuDNN
// refuses; the destructor destroys it.
//
// The legacy API is deprecated in cuDNN 9 but kept (docs: "can still be directly used"). Its
// declarations carry CUDNN_DEPRECATED, which expands to nothing unless CUDNN_WARN_DEPRECATED is
// defined (cudnn_graph.h), so including cudnn.h does not trip -Werror.
#pragma once

#include <cudnn.h>

#include <cstdint>

#include "cuda/handles.h"
#include "varscope/dtype.h"

namespace varscope::cuda {

/// cuDNN's data type for float32 / float64 / float16 / bfloat16; throws InternalError for others.
cudnnDataType_t cudnn_data_type(DType dtype);

/// True when every extent and the element count fit cuDNN's int-sized dimensions and strides.
bool fits_cudnn(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w);

/// A packed 4-D tensor descriptor: dims (n, c, h, w) stored as `format` (NCHW or NHWC).
class TensorDescriptor {
 public:
  TensorDescriptor(cudnnTensorFormat_t format, cudnnDataType_t type, std::int64_t n, std::int64_t c,
                   std::int64_t h, std::int64_t w);
  cudnnTensorDescriptor_t get() const noexcept { return handle_.get(); }

 private:
  UniqueHandle<cudnnTensorDescriptor_t, cudnnDestroyTensorDescriptor> handle_;
};

/// A 4-D filter descriptor: k output channels, c input channels, h x w taps; `format` NCHW means
/// (k, c, h, w) in memory (KCRS), NHWC means (k, h, w, c) (KRSC).
class FilterDescriptor {
 public:
  FilterDescriptor(cudnnTensorFormat_t format, cudnnDataType_t type, std::int64_t k, std::int64_t c,
                   std::int64_t h, std::int64_t w);
  cudnnFilterDescriptor_t get() const noexcept { return handle_.get(); }

 private:
  UniqueHandle<cudnnFilterDescriptor_t, cudnnDestroyFilterDescriptor> handle_;
};

/// A 2-D cross-correlation (TF's Conv2D does not flip the filter) with symmetric zero padding.
class ConvolutionDescriptor {
 public:
  struct Params {
    std::int64_t pad_h = 0, pad_w = 0;
    std::int64_t stride_h = 1, stride_w = 1;
    std::int64_t dilation_h = 1, dilation_w = 1;
  };
  /// `compute` is the accumulation type; `math` the initial math type (set_math_type changes it).
  ConvolutionDescriptor(const Params& params, cudnnDataType_t compute, cudnnMathType_t math);
  cudnnConvolutionDescriptor_t get() const noexcept { return handle_.get(); }
  /// cuDNN >= 7.4 picks kernels by (algorithm, math type): set the type the search reported.
  void set_math_type(cudnnMathType_t math);

 private:
  UniqueHandle<cudnnConvolutionDescriptor_t, cudnnDestroyConvolutionDescriptor> handle_;
};

/// A 2-D pooling window with symmetric padding.
class PoolingDescriptor {
 public:
  struct Params {
    cudnnPoolingMode_t mode = CUDNN_POOLING_MAX_DETERMINISTIC;
    std::int64_t window_h = 1, window_w = 1;
    std::int64_t pad_h = 0, pad_w = 0;
    std::int64_t stride_h = 1, stride_w = 1;
  };
  explicit PoolingDescriptor(const Params& params);
  cudnnPoolingDescriptor_t get() const noexcept { return handle_.get(); }

 private:
  UniqueHandle<cudnnPoolingDescriptor_t, cudnnDestroyPoolingDescriptor> handle_;
};

}  // namespace varscope::cuda
