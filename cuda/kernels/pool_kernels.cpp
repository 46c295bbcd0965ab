// MaxPool, AvgPool (NHWC) and their gradients on the GPU, matching cpu/kernels/pool_kernels.cpp:
// padding is never part of a window (MaxPool ignores it, AvgPool divides by the real pixels) and
// MaxPoolGrad routes each window's gradient to its first maximum in row-major order.
//
//   MaxPool / AvgPool, float32, symmetric padding: cuDNN (NHWC tensors directly;
//       CUDNN_POOLING_MAX_DETERMINISTIC, CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING).
//   MaxPool / AvgPool otherwise: our kernels (cuda/kernels/pool_grad.cu). TF's SAME padding puts
//       the odd pixel after the input, which cuDNN's symmetric padding cannot express; float64 NHWC
//       pooling is not a documented cuDNN configuration.
//   MaxPoolGrad: our kernels: cuDNN does not document which of several equal maxima gets the
//       gradient, the CPU's rule is "the first".
//   AvgPoolGrad: our gather kernel (cudnnPoolingBackward would want the forward input and output,
//       which the op does not have).
#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/kernel_args.h"
#include "core/ops/window_geometry.h"
#include "cuda/check.h"
#include "cuda/dnn_descriptors.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"
#include "cuda/kernels/pool_grad.h"
#include "cuda/library_handles.h"
#include "varscope/error.h"

namespace varscope::cuda {
namespace {

/// The pooling geometry, and the padding after the input that symmetric padding would miss.
struct PoolGeometry {
  PoolWindow window{};
  std::int64_t extra_h = 0, extra_w = 0;  // pad after minus pad before (0 or 1 under SAME)

  Shape input_shape() const { return Shape{window.batch, window.in_h, window.in_w, window.depth}; }
  Shape output_shape() const {
    return Shape{window.batch, window.out_h, window.out_w, window.depth};
  }
  bool symmetric() const { return extra_h == 0 && extra_w == 0; }
};

void expect_rank4(const KernelContext& ctx, const Tensor& t, const char* what, const char* layout) {
  if (t.shape().rank() != 4) {
    ctx.fail(std::string(what) + " must be rank 4 " + layout + ", got shape " +
             t.shape().to_string());
  }
}

std::vector<std::int64_t> ints_attr(const KernelContext& ctx, const char* name) {
  return ctx.node().attr_as<std::vector<std::int64_t>>(name);
}

// The padding after the input minus the padding before it, for one spatial dimension.
std::int64_t extra_padding(std::int64_t input, std::int64_t window, std::int64_t stride, bool same,
                           const window::Dim& d) {
  if (!same) return 0;
  const std::int64_t needed = std::max<std::int64_t>(0, (d.output - 1) * stride + window - input);
  return needed - 2 * d.pad_before;
}

// The CPU's pool_geometry, with its checks and messages.
PoolGeometry pool_geometry(const KernelContext& ctx, const Shape& input) {
  const std::vector<std::int64_t> ksize = ints_attr(ctx, "ksize");
  const std::vector<std::int64_t> strides = ints_attr(ctx, "strides");
  const bool same = ctx.node().attr_as<std::string>("padding") == "SAME";
  PoolGeometry pg;
  PoolWindow& g = pg.window;
  g.batch = input.dim(0);
  g.in_h = input.dim(1);
  g.in_w = input.dim(2);
  g.depth = input.dim(3);
  g.k_h = ksize[1];
  g.k_w = ksize[2];
  g.stride_h = strides[1];
  g.stride_w = strides[2];
  const window::Dim h = window::output_dim(g.in_h, g.k_h, 1, g.stride_h, same);
  const window::Dim w = window::output_dim(g.in_w, g.k_w, 1, g.stride_w, same);
  if (h.output < 0)
    ctx.fail(window::negative_output_message(h.output, g.in_h, g.k_h, 1, g.stride_h));
  if (w.output < 0)
    ctx.fail(window::negative_output_message(w.output, g.in_w, g.k_w, 1, g.stride_w));
  g.out_h = h.output;
  g.out_w = w.output;
  g.pad_top = h.pad_before;
  g.pad_left = w.pad_before;
  pg.extra_h = extra_padding(g.in_h, g.k_h, g.stride_h, same, h);
  pg.extra_w = extra_padding(g.in_w, g.k_w, g.stride_w, same, w);
  return pg;
}

void expect_pooled(const KernelContext& ctx, const Tensor& t, const char* what,
                   const PoolGeometry& g) {
  if (t.shape() != g.output_shape()) {
    ctx.fail(std::string(what) + " shape " + t.shape().to_string() +
             " does not match the pooled shape " + g.output_shape().to_string() + " of input " +
             g.input_shape().to_string());
  }
}

/// Pools `in` into `out` (float32) with cuDNN; false (nothing queued) when cuDNN cannot express
/// the geometry, so the caller uses its own kernel.
bool cudnn_pool_forward(const KernelContext& ctx, const PoolGeometry& pg, cudnnPoolingMode_t mode,
                        const Tensor& in, Tensor& out) {
  const PoolWindow& g = pg.window;
  if (!pg.symmetric() || !fits_cudnn(g.batch, g.depth, g.in_h, g.in_w) ||
      !fits_cudnn(g.batch, g.depth, g.out_h, g.out_w)) {
    return false;
  }
  const TensorDescriptor x(CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, g.batch, g.depth, g.in_h, g.in_w);
  const TensorDescriptor y(CUDNN_TENSOR_NHWC, CUDNN_DATA_FLOAT, g.batch, g.depth, g.out_h, g.out_w);
  const PoolingDescriptor pooling({.mode = mode,
                                   .window_h = g.k_h,
                                   .window_w = g.k_w,
                                   .pad_h = g.pad_top,
                                   .pad_w = g.pad_left,
                                   .stride_h = g.stride_h,
                                   .stride_w = g.stride_w});
  // cuDNN's output size must be TF's (it is, for VALID and symmetric SAME); if not, our kernel.
  int n = 0, c = 0, h = 0, w = 0;
  VS_CUDNN_CHECK(cudnnGetPooling2dForwardOutputDim(pooling.get(), x.get(), &n, &c, &h, &w));
  if (n != g.batch || c != g.depth || h != g.out_h || w != g.out_w) return false;
  const float one = 1.0F, zero = 0.0F;
  VS_CUDNN_CHECK(cudnnPoolingForward(cudnn_handle(stream_of(ctx)), pooling.get(), &one, x.get(),
                                     in.raw_data(), &zero, y.get(), out.raw_data()));
  return true;
}

template <class T>
void max_pool_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  const PoolGeometry g = pool_geometry(ctx, input.shape());
  Tensor& out = ctx.allocate_output(0, g.output_shape());
  if (out.num_elements() == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (cudnn_pool_forward(ctx, g, CUDNN_POOLING_MAX_DETERMINISTIC, input, out)) return;
  }
  max_pool_forward(g.window, device_data<T>(input), device_data<T>(out), stream_of(ctx));
}

template <class T>
void avg_pool_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  const PoolGeometry g = pool_geometry(ctx, input.shape());
  Tensor& out = ctx.allocate_output(0, g.output_shape());
  if (out.num_elements() == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (cudnn_pool_forward(ctx, g, CUDNN_POOLING_AVERAGE_COUNT_EXCLUDE_PADDING, input, out)) return;
  }
  avg_pool_forward(g.window, device_data<T>(input), device_data<T>(out), stream_of(ctx));
}

// MaxPoolGrad(orig_input, orig_output, grad): the arg-max is recomputed from orig_input, as TF's
// CPU kernel does.
template <class T>
void max_pool_grad_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  expect_rank4(ctx, input, "orig_input", "(N, H, W, C)");
  const PoolGeometry g = pool_geometry(ctx, input.shape());
  expect_pooled(ctx, ctx.input(1), "orig_output", g);
  expect_pooled(ctx, ctx.input(2), "grad", g);
  Tensor& out = ctx.allocate_output(0, g.input_shape());
  if (out.num_elements() == 0) return;
  if (g.window.in_h * g.window.in_w > INT_MAX) {
    throw UnimplementedError("[" + ctx.node().op() + "] node '" + ctx.node().name() +
                             "': images of more than 2^31 - 1 pixels (input shape " +
                             input.shape().to_string() + ") are not supported on the GPU");
  }
  Tensor argmax = ctx.allocate_temp(DType::kInt32, g.output_shape());
  const cudaStream_t stream = stream_of(ctx);
  max_pool_argmax(g.window, device_data<T>(input), device_data<std::int32_t>(argmax), stream);
  max_pool_grad(g.window, device_data<std::int32_t>(argmax), device_data<T>(ctx.input(2)), device_data<T>(out),
                stream);
}

// AvgPoolGrad(orig_input_shape, grad): each window's gradient spread evenly over its real pixels.
template <class T>
void avg_pool_grad_kernel(KernelContext& ctx) {
  const std::vector<std::int64_t> dims = index_values(ctx, ctx.input(0), "orig_input_shape");
  if (dims.size() != 4)
    ctx.fail("orig_input_shape must have 4 entries, got " + list_to_string(dims));
  for (std::int64_t d : dims) {
    if (d < 0) ctx.fail("orig_input_shape must be non-negative, got " + list_to_string(dims));
  }
  const PoolGeometry g = pool_geometry(ctx, Shape(dims));
  expect_pooled(ctx, ctx.input(1), "grad", g);
  Tensor& out = ctx.allocate_output(0, g.input_shape());
  if (out.num_elements() == 0) return;
  avg_pool_grad(g.window, device_data<T>(ctx.input(1)), device_data<T>(out), stream_of(ctx));
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("MaxPool", DeviceType::kGPU, dtype, max_pool_kernel<T>);
  registry.add("AvgPool", DeviceType::kGPU, dtype, avg_pool_kernel<T>);
  registry.add("MaxPoolGrad", DeviceType::kGPU, dtype, max_pool_grad_kernel<T>);
  // orig_input_shape is a shape vector: read on the host.
  registry.add("AvgPoolGrad", DeviceType::kGPU, dtype, avg_pool_grad_kernel<T>,
               HostMemory{.inputs = {0}});
}

}  // namespace

void register_pool_kernels(KernelRegistry& registry) {
  register_for<float>(registry, DType::kFloat32);
  register_for<double>(registry, DType::kFloat64);
}

}  // namespace varscope::cuda
