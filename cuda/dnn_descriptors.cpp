#include "cuda/dnn_descriptors.h"

#include <climits>
#include <string>

#include "cuda/check.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

// cuDNN takes int dimensions: a larger value is a bug in the caller (kernels check fits_cudnn).
int to_int(std::int64_t value, const char* what) {
  if (value < 0 || value > INT_MAX) {
    throw InternalError(std::string("cuDNN descriptor: ") + what + " " + std::to_string(value) +
                        " does not fit an int");
  }
  return static_cast<int>(value);
}

}  // namespace

cudnnDataType_t cudnn_data_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return CUDNN_DATA_FLOAT;
    case DType::kFloat64:
      return CUDNN_DATA_DOUBLE;
    case DType::kFloat16:
      return CUDNN_DATA_HALF;
    case DType::kBFloat16:
      return CUDNN_DATA_BFLOAT16;
    default:
      throw InternalError("cuDNN has no data type for " + std::string(dtype_name(dtype)));
  }
}

bool fits_cudnn(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) {
  const std::int64_t dims[] = {n, c, h, w};
  std::int64_t elements = 1;
  for (std::int64_t d : dims) {
    if (d < 0 || d > INT_MAX) return false;
    elements *= d;  // each factor < 2^31: the product of four cannot overflow before exceeding
    if (elements > INT_MAX) return false;
  }
  return true;
}

TensorDescriptor::TensorDescriptor(cudnnTensorFormat_t format, cudnnDataType_t type, std::int64_t n,
                                   std::int64_t c, std::int64_t h, std::int64_t w) {
  cudnnTensorDescriptor_t desc = nullptr;
  VS_CUDNN_CHECK(cudnnCreateTensorDescriptor(&desc));
  handle_ = decltype(handle_)(desc);
  VS_CUDNN_CHECK(cudnnSetTensor4dDescriptor(desc, format, type, to_int(n, "n"), to_int(c, "c"),
                                            to_int(h, "h"), to_int(w, "w")));
}

FilterDescriptor::FilterDescriptor(cudnnTensorFormat_t format, cudnnDataType_t type, std::int64_t k,
                                   std::int64_t c, std::int64_t h, std::int64_t w) {
  cudnnFilterDescriptor_t desc = nullptr;
  VS_CUDNN_CHECK(cudnnCreateFilterDescriptor(&desc));
  handle_ = decltype(handle_)(desc);
  VS_CUDNN_CHECK(cudnnSetFilter4dDescriptor(desc, type, format, to_int(k, "k"), to_int(c, "c"),
                                            to_int(h, "h"), to_int(w, "w")));
}

ConvolutionDescriptor::ConvolutionDescriptor(const Params& params, cudnnDataType_t compute,
                                             cudnnMathType_t math) {
  cudnnConvolutionDescriptor_t desc = nullptr;
  VS_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&desc));
  handle_ = decltype(handle_)(desc);
  VS_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(
      desc, to_int(params.pad_h, "pad_h"), to_int(params.pad_w, "pad_w"),
      to_int(params.stride_h, "stride_h"), to_int(params.stride_w, "stride_w"),
      to_int(params.dilation_h, "dilation_h"), to_int(params.dilation_w, "dilation_w"),
      CUDNN_CROSS_CORRELATION, compute));
  set_math_type(math);
}

void ConvolutionDescriptor::set_math_type(cudnnMathType_t math) {
  VS_CUDNN_CHECK(cudnnSetConvolutionMathType(get(), math));
}

PoolingDescriptor::PoolingDescriptor(const Params& params) {
  cudnnPoolingDescriptor_t desc = nullptr;
  VS_CUDNN_CHECK(cudnnCreatePoolingDescriptor(&desc));
  handle_ = decltype(handle_)(desc);
  // NaNs do not propagate, as in TF's GPU pooling (a NaN never wins the "greater than" test).
  VS_CUDNN_CHECK(cudnnSetPooling2dDescriptor(
      desc, params.mode, CUDNN_NOT_PROPAGATE_NAN, to_int(params.window_h, "window_h"),
      to_int(params.window_w, "window_w"), to_int(params.pad_h, "pad_h"),
      to_int(params.pad_w, "pad_w"), to_int(params.stride_h, "stride_h"),
      to_int(params.stride_w, "stride_w")));
}

}  // namespace varscope::cuda
