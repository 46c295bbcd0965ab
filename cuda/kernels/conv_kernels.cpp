// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter on the GPU through cuDNN's legacy
// convolution API, matching cpu/kernels/conv_kernels.cpp: NHWC activations, (KH, KW, C_in, C_out)
// filters, SAME / VALID padding, strides and dilations.
//
// Layout. In NHWC the activations go to cuDNN as they are and the filter is permuted to cuDNN's
// KRSC ((C_out, KH, KW, C_in), its "NHWC" filter format; cuDNN has no format for TF's HWIO). In
// NCHW activations and filter are permuted to NCHW / KCRS and the result back. float32 runs in the
// faster of the two, measured (cuDNN's NHWC FMA kernels can be several times slower than its NCHW
// ones, while with tensor cores NHWC tends to win); set_conv_layout_choice() can pin one. float64
// runs in NCHW (NHWC double convolutions are not a documented cuDNN configuration). All permutes,
// pads and crops are one gather kernel (cuda/kernels/pad_nhwc.cu).
//
// Padding. TF's SAME padding puts the odd pixel after the input; cuDNN pads symmetrically. cuDNN
// gets the smaller (top/left) padding on both sides, and when the other side needs one more row or
// column the input is padded explicitly at the bottom/right (Conv2D, Conv2DBackpropFilter) and the
// input gradient computed for the padded input is cropped back (Conv2DBackpropInput), as TF does.
//
// Algorithms. The first time a problem is seen, cudnnFind*AlgorithmEx times every algorithm in
// each candidate layout (blocking: it synchronizes once per new shape) with a workspace from
// ctx.allocate_temp sized for the hungriest algorithm (capped); per layout the fastest one that
// succeeded, fits the workspace and honours the math mode is kept, its layout copies are timed with
// CUDA events, and the layout with the smaller total wins. The choice is cached
// (cuda/conv_algorithm_cache.h) by pass, device, dtype, TF32 flag, layout choice, padded input,
// filter, padding, strides and dilations. Math: float32 uses CUDNN_FMA_MATH (plain FP32: in
// cuDNN 8+ CUDNN_DEFAULT_MATH lets float32 run as TF32 on Ampere and later) unless
// varscope::allow_tf32(), then CUDNN_TENSOR_OP_MATH; float64 CUDNN_DEFAULT_MATH.
//
// The legacy calls are deprecated in cuDNN 9 but present; their CUDNN_DEPRECATED marks expand to
// nothing unless CUDNN_WARN_DEPRECATED is defined, so no warning needs silencing.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/kernel_args.h"
#include "core/logging.h"
#include "core/ops/window_geometry.h"
#include "cuda/check.h"
#include "cuda/conv_algorithm_cache.h"
#include "cuda/dnn_descriptors.h"
#include "cuda/handles.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"
#include "cuda/kernels/pad_nhwc.h"
#include "cuda/library_handles.h"
#include "varscope/error.h"
#include "varscope/math_mode.h"

namespace varscope::cuda {
namespace {

// The most workspace an algorithm search hands cuDNN; algorithms wanting more are not timed.
constexpr std::size_t kMaxSearchWorkspace = std::size_t{1} << 30;

// ------------------------------------------------------------------------------------------------
// Geometry and checks (the CPU kernel's, with its messages)

struct ConvGeometry {
  std::int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  std::int64_t k_h = 0, k_w = 0, out_c = 0;
  std::int64_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  std::int64_t out_h = 0, out_w = 0, pad_top = 0, pad_left = 0;
  // Rows / columns of explicit zero padding after the input (SAME with an odd total padding).
  std::int64_t extra_h = 0, extra_w = 0;

  std::int64_t padded_h() const { return in_h + extra_h; }
  std::int64_t padded_w() const { return in_w + extra_w; }
  bool explicitly_padded() const { return extra_h != 0 || extra_w != 0; }
  std::int64_t patch_size() const { return k_h * k_w * in_c; }
  std::int64_t rows() const { return batch * out_h * out_w; }
  Shape input_shape() const { return Shape{batch, in_h, in_w, in_c}; }
  Shape filter_shape() const { return Shape{k_h, k_w, in_c, out_c}; }
  Shape output_shape() const { return Shape{batch, out_h, out_w, out_c}; }
};

void expect_rank4(const KernelContext& ctx, const Tensor& t, const char* what, const char* layout) {
  if (t.shape().rank() != 4) {
    ctx.fail(std::string(what) + " must be rank 4 " + layout + ", got shape " +
             t.shape().to_string());
  }
}

std::vector<std::int64_t> ints_attr(const KernelContext& ctx, const char* name,
                                    std::vector<std::int64_t> otherwise) {
  if (!ctx.node().has_attr(name)) return otherwise;
  return ctx.node().attr_as<std::vector<std::int64_t>>(name);
}

// The explicit padding after the input that symmetric padding by d.pad_before leaves missing.
std::int64_t extra_padding(std::int64_t input, std::int64_t window, std::int64_t dilation,
                           std::int64_t stride, bool same, const window::Dim& d) {
  if (!same) return 0;
  const std::int64_t needed = std::max<std::int64_t>(
      0, (d.output - 1) * stride + window::effective_size(window, dilation) - input);
  return needed - 2 * d.pad_before;
}

ConvGeometry conv_geometry(const KernelContext& ctx, const Shape& input, const Shape& filter) {
  const std::vector<std::int64_t> strides = ints_attr(ctx, "strides", {1, 1, 1, 1});
  const std::vector<std::int64_t> dilations = ints_attr(ctx, "dilations", {1, 1, 1, 1});
  const bool same = ctx.node().attr_as<std::string>("padding") == "SAME";
  ConvGeometry g;
  g.batch = input.dim(0);
  g.in_h = input.dim(1);
  g.in_w = input.dim(2);
  g.in_c = input.dim(3);
  g.k_h = filter.dim(0);
  g.k_w = filter.dim(1);
  g.out_c = filter.dim(3);
  if (filter.dim(2) != g.in_c) {
    ctx.fail("input depth " + std::to_string(g.in_c) + " (input shape " + input.to_string() +
             ") does not match the filter's input depth " + std::to_string(filter.dim(2)) +
             " (filter shape " + filter.to_string() + ")");
  }
  g.stride_h = strides[1];
  g.stride_w = strides[2];
  g.dil_h = dilations[1];
  g.dil_w = dilations[2];
  const window::Dim h = window::output_dim(g.in_h, g.k_h, g.dil_h, g.stride_h, same);
  const window::Dim w = window::output_dim(g.in_w, g.k_w, g.dil_w, g.stride_w, same);
  if (h.output < 0)
    ctx.fail(window::negative_output_message(h.output, g.in_h, g.k_h, g.dil_h, g.stride_h));
  if (w.output < 0)
    ctx.fail(window::negative_output_message(w.output, g.in_w, g.k_w, g.dil_w, g.stride_w));
  g.out_h = h.output;
  g.out_w = w.output;
  g.pad_top = h.pad_before;
  g.pad_left = w.pad_before;
  g.extra_h = extra_padding(g.in_h, g.k_h, g.dil_h, g.stride_h, same, h);
  g.extra_w = extra_padding(g.in_w, g.k_w, g.dil_w, g.stride_w, same, w);
  return g;
}

// A 1-D size input (input_sizes, filter_sizes) as a rank-4 shape.
Shape sizes_input(const KernelContext& ctx, int i, const char* what) {
  const std::vector<std::int64_t> dims = index_values(ctx, ctx.input(i), what);
  if (dims.size() != 4)
    ctx.fail(std::string(what) + " must have 4 entries, got " + list_to_string(dims));
  for (std::int64_t d : dims) {
    if (d < 0) ctx.fail(std::string(what) + " must be non-negative, got " + list_to_string(dims));
  }
  return Shape(dims);
}

void expect_out_backprop(const KernelContext& ctx, const ConvGeometry& g) {
  const Shape& dy = ctx.input(2).shape();
  if (dy != g.output_shape()) {
    ctx.fail("out_backprop shape " + dy.to_string() + " does not match the Conv2D output shape " +
             g.output_shape().to_string() + " of input " + g.input_shape().to_string() +
             " and filter " + g.filter_shape().to_string());
  }
}

[[noreturn]] void throw_for_node(const KernelContext& ctx, const std::string& message,
                                 bool internal) {
  const std::string text = "[" + ctx.node().op() + "] node '" + ctx.node().name() + "': " + message;
  if (internal) throw InternalError(text);
  throw UnimplementedError(text);
}

// cuDNN's legacy API takes int dims and strides: every tensor must have fewer than 2^31 elements.
void expect_fits_cudnn(const KernelContext& ctx, const ConvGeometry& g) {
  if (!fits_cudnn(g.batch, g.in_c, g.padded_h(), g.padded_w()) ||
      !fits_cudnn(g.out_c, g.in_c, g.k_h, g.k_w) ||
      !fits_cudnn(g.batch, g.out_c, g.out_h, g.out_w) || g.pad_top > INT32_MAX ||
      g.pad_left > INT32_MAX || g.stride_h > INT32_MAX || g.stride_w > INT32_MAX ||
      g.dil_h > INT32_MAX || g.dil_w > INT32_MAX) {
    throw_for_node(ctx,
                   "convolutions with a tensor of 2^31 or more elements (input " +
                       g.input_shape().to_string() + ", filter " + g.filter_shape().to_string() +
                       ", output " + g.output_shape().to_string() +
                       ") are not supported on the GPU",
                   /*internal=*/false);
  }
}

void zero_fill(const KernelContext& ctx, Tensor& t) {
  VS_CUDA_CHECK(cudaMemsetAsync(t.raw_data(), 0, t.nbytes(), stream_of(ctx)));
}

// ------------------------------------------------------------------------------------------------
// Layout copies between TF's tensors and what cuDNN sees

/// Queues dst (packed, dims `dims`) = src viewed through per-axis `extents` and `strides` (zeros
/// beyond the extents).
void gather(const KernelContext& ctx, void* dst, const void* src, std::size_t element_bytes,
            std::array<std::int64_t, 4> dims, std::array<std::int64_t, 4> extents,
            std::array<std::int64_t, 4> strides) {
  copy_4d(dst, src, Copy4d{.out_dims = dims, .src_extents = extents, .src_strides = strides},
          element_bytes, stream_of(ctx));
}

/// The NHWC input as cuDNN's x: padded at the bottom/right, in `layout`. Returns `x` itself when
/// nothing changes, else a temp (kept in `temps`).
const void* cudnn_input(KernelContext& ctx, const ConvGeometry& g, ConvLayout layout,
                        const Tensor& x, std::vector<Tensor>& temps) {
  if (layout == ConvLayout::kNhwc && !g.explicitly_padded()) return x.raw_data();
  const std::int64_t hp = g.padded_h(), wp = g.padded_w(), c = g.in_c;
  Tensor& t = temps.emplace_back(ctx.allocate_temp(x.dtype(), Shape{g.batch * hp * wp * c}));
  const std::int64_t sn = g.in_h * g.in_w * c, sh = g.in_w * c, sw = c, sc = 1;
  if (layout == ConvLayout::kNhwc) {
    gather(ctx, t.raw_data(), x.raw_data(), dtype_size(x.dtype()), {g.batch, hp, wp, c},
           {g.batch, g.in_h, g.in_w, c}, {sn, sh, sw, sc});
  } else {
    gather(ctx, t.raw_data(), x.raw_data(), dtype_size(x.dtype()), {g.batch, c, hp, wp},
           {g.batch, c, g.in_h, g.in_w}, {sn, sc, sh, sw});
  }
  return t.raw_data();
}

/// cuDNN's (padded, `layout`) input gradient `src` cropped into the NHWC `dx`.
void from_cudnn_input(const KernelContext& ctx, const ConvGeometry& g, ConvLayout layout,
                      const void* src, Tensor& dx) {
  const std::int64_t hp = g.padded_h(), wp = g.padded_w(), c = g.in_c;
  const std::array<std::int64_t, 4> strides =
      layout == ConvLayout::kNhwc ? std::array<std::int64_t, 4>{hp * wp * c, wp * c, c, 1}
                                  : std::array<std::int64_t, 4>{c * hp * wp, wp, 1, hp * wp};
  gather(ctx, dx.raw_data(), src, dtype_size(dx.dtype()), {g.batch, g.in_h, g.in_w, c},
         {g.batch, hp, wp, c}, strides);
}

/// The HWIO filter as cuDNN's KRSC (NHWC layout) or KCRS (NCHW layout), in a temp.
const void* cudnn_filter(KernelContext& ctx, const ConvGeometry& g, ConvLayout layout,
                         const Tensor& w, std::vector<Tensor>& temps) {
  const std::int64_t kh = g.k_h, kw = g.k_w, ci = g.in_c, co = g.out_c;
  Tensor& t = temps.emplace_back(ctx.allocate_temp(w.dtype(), Shape{kh * kw * ci * co}));
  // HWIO strides: kh -> kw*ci*co, kw -> ci*co, ci -> co, co -> 1.
  if (layout == ConvLayout::kNhwc) {
    gather(ctx, t.raw_data(), w.raw_data(), dtype_size(w.dtype()), {co, kh, kw, ci},
           {co, kh, kw, ci}, {1, kw * ci * co, ci * co, co});
  } else {
    gather(ctx, t.raw_data(), w.raw_data(), dtype_size(w.dtype()), {co, ci, kh, kw},
           {co, ci, kh, kw}, {1, co, kw * ci * co, ci * co});
  }
  return t.raw_data();
}

/// cuDNN's KRSC / KCRS filter gradient `src` into the HWIO `dw`.
void from_cudnn_filter(const KernelContext& ctx, const ConvGeometry& g, ConvLayout layout,
                       const void* src, Tensor& dw) {
  const std::int64_t kh = g.k_h, kw = g.k_w, ci = g.in_c, co = g.out_c;
  // Along (kh, kw, ci, co): KRSC strides (kw*ci, ci, 1, kh*kw*ci), KCRS (kw, 1, kh*kw, ci*kh*kw).
  const std::array<std::int64_t, 4> strides =
      layout == ConvLayout::kNhwc ? std::array<std::int64_t, 4>{kw * ci, ci, 1, kh * kw * ci}
                                  : std::array<std::int64_t, 4>{kw, 1, kh * kw, ci * kh * kw};
  gather(ctx, dw.raw_data(), src, dtype_size(dw.dtype()), {kh, kw, ci, co}, {kh, kw, ci, co},
         strides);
}

/// The NHWC output gradient as cuDNN's dy: itself in NHWC, an NCHW temp otherwise.
const void* cudnn_output_grad(KernelContext& ctx, const ConvGeometry& g, ConvLayout layout,
                              const Tensor& dy, std::vector<Tensor>& temps) {
  if (layout == ConvLayout::kNhwc) return dy.raw_data();
  const std::int64_t oh = g.out_h, ow = g.out_w, co = g.out_c;
  Tensor& t = temps.emplace_back(ctx.allocate_temp(dy.dtype(), Shape{g.batch * co * oh * ow}));
  gather(ctx, t.raw_data(), dy.raw_data(), dtype_size(dy.dtype()), {g.batch, co, oh, ow},
         {g.batch, co, oh, ow}, {oh * ow * co, 1, ow * co, co});
  return t.raw_data();
}

/// cuDNN's NCHW output `src` into the NHWC `y`.
void from_cudnn_output(const KernelContext& ctx, const ConvGeometry& g, const void* src,
                       Tensor& y) {
  const std::int64_t oh = g.out_h, ow = g.out_w, co = g.out_c;
  gather(ctx, y.raw_data(), src, dtype_size(y.dtype()), {g.batch, oh, ow, co},
         {g.batch, oh, ow, co}, {co * oh * ow, ow, 1, oh * ow});
}

// ------------------------------------------------------------------------------------------------
// cuDNN problem: descriptors, search, execution

/// The numeric settings of one call, read once (allow_tf32 may change between calls).
struct ConvMath {
  DType dtype{};
  cudnnDataType_t data_type{};
  bool allow_tf32{};
  ConvLayoutChoice layout_choice{};

  bool is_double() const { return data_type == CUDNN_DATA_DOUBLE; }
  /// The math type the search starts from.
  cudnnMathType_t initial() const {
    if (data_type != CUDNN_DATA_FLOAT) return CUDNN_DEFAULT_MATH;
    return allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
  }
  /// Whether an algorithm that reported `math` may run: plain float32 must stay FMA.
  bool accepts(cudnnMathType_t math) const {
    return data_type != CUDNN_DATA_FLOAT || allow_tf32 || math == CUDNN_FMA_MATH;
  }
  /// The layouts to search, in order of preference.
  std::vector<ConvLayout> layouts() const {
    if (data_type != CUDNN_DATA_FLOAT || layout_choice == ConvLayoutChoice::kNchw) {
      return {ConvLayout::kNchw};
    }
    return {ConvLayout::kNhwc, ConvLayout::kNchw};
  }
  /// Whether every layout is searched and the fastest kept; otherwise the first that has an
  /// algorithm is.
  bool compares_layouts() const {
    return data_type == CUDNN_DATA_FLOAT && layout_choice == ConvLayoutChoice::kFastest;
  }
};

ConvMath conv_math(DType dtype) {
  // TF32 only concerns float32: other dtypes share one cache entry whatever the flag.
  return ConvMath{.dtype = dtype,
                  .data_type = cudnn_data_type(dtype),
                  .allow_tf32 = dtype == DType::kFloat32 && allow_tf32(),
                  .layout_choice = conv_layout_choice()};
}

struct ConvDescriptors {
  TensorDescriptor x;
  FilterDescriptor w;
  TensorDescriptor y;
  ConvolutionDescriptor conv;
};

ConvDescriptors conv_descriptors(const KernelContext& ctx, const ConvGeometry& g, ConvLayout layout,
                                 const ConvMath& math) {
  const cudnnTensorFormat_t format =
      layout == ConvLayout::kNhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  const cudnnDataType_t type = math.data_type;
  ConvDescriptors d{TensorDescriptor(format, type, g.batch, g.in_c, g.padded_h(), g.padded_w()),
                    FilterDescriptor(format, type, g.out_c, g.in_c, g.k_h, g.k_w),
                    TensorDescriptor(format, type, g.batch, g.out_c, g.out_h, g.out_w),
                    ConvolutionDescriptor({.pad_h = g.pad_top,
                                           .pad_w = g.pad_left,
                                           .stride_h = g.stride_h,
                                           .stride_w = g.stride_w,
                                           .dilation_h = g.dil_h,
                                           .dilation_w = g.dil_w},
                                          type, math.initial())};
  // The padding scheme above must give TF's output size; anything else is a bug here.
  int n = 0, c = 0, h = 0, w = 0;
  VS_CUDNN_CHECK(
      cudnnGetConvolution2dForwardOutputDim(d.conv.get(), d.x.get(), d.w.get(), &n, &c, &h, &w));
  if (n != g.batch || c != g.out_c || h != g.out_h || w != g.out_w) {
    throw_for_node(ctx,
                   "cuDNN computes output (" + std::to_string(n) + ", " + std::to_string(h) + ", " +
                       std::to_string(w) + ", " + std::to_string(c) + ") instead of " +
                       g.output_shape().to_string(),
                   /*internal=*/true);
  }
  return d;
}

ConvAlgorithmKey algorithm_key(ConvPass pass, const ConvGeometry& g, const ConvMath& math) {
  int device = 0;
  VS_CUDA_CHECK(cudaGetDevice(&device));
  return ConvAlgorithmKey{.pass = pass,
                          .device = device,
                          .data_type = math.data_type,
                          .allow_tf32 = math.allow_tf32,
                          .layout_choice = math.layout_choice,
                          .input = {g.batch, g.padded_h(), g.padded_w(), g.in_c},
                          .filter = {g.k_h, g.k_w, g.in_c, g.out_c},
                          .padding = {g.pad_top, g.pad_left},
                          .strides = {g.stride_h, g.stride_w},
                          .dilations = {g.dil_h, g.dil_w}};
}

/// cuDNN's pointers for one pass: the two inputs and the output, in cuDNN's layout.
struct CudnnOperands {
  const void* x = nullptr;
  const void* w = nullptr;
  const void* y = nullptr;
  void* out = nullptr;  // where the pass writes (the x, w or y of cuDNN's signature)
};

/// Scratch memory of `bytes` (null for 0) from the kernel's allocator.
void* workspace(KernelContext& ctx, std::size_t bytes, std::vector<Tensor>& temps) {
  if (bytes == 0) return nullptr;
  return temps
      .emplace_back(ctx.allocate_temp(DType::kUInt8, Shape{static_cast<std::int64_t>(bytes)}))
      .raw_data();
}

/// The search's workspace: `wanted` bytes capped at kMaxSearchWorkspace, halved while the allocator
/// runs out of memory (the search then skips the algorithms that need more).
std::pair<void*, std::size_t> search_workspace(KernelContext& ctx, std::size_t wanted,
                                               std::vector<Tensor>& temps) {
  std::size_t bytes = std::min(wanted, kMaxSearchWorkspace);
  while (true) {
    try {
      return {workspace(ctx, bytes, temps), bytes};
    } catch (const OutOfMemoryError&) {
      if (bytes == 0) throw;
      bytes = bytes < 1024 ? 0 : bytes / 2;
    }
  }
}

/// The fastest result that ran, fits `limit` bytes and obeys the math mode (perf results come
/// sorted by time).
template <class Perf>
std::optional<ConvAlgorithm> choose(const std::vector<Perf>& perf, int returned, std::size_t limit,
                                    const ConvMath& math, ConvLayout layout) {
  for (int i = 0; i < returned && i < static_cast<int>(perf.size()); ++i) {
    const Perf& p = perf[static_cast<std::size_t>(i)];
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > limit || !math.accepts(p.mathType)) continue;
    return ConvAlgorithm{.layout = layout,
                         .algorithm = static_cast<int>(p.algo),
                         .math_type = p.mathType,
                         .workspace_bytes = p.memory,
                         .algorithm_ms = p.time};
  }
  return std::nullopt;
}

// A status other than success from a workspace-size query means "this algorithm does not apply
// to this problem": the status is checked, and that algorithm skipped.
std::size_t largest_workspace(int algorithms, const auto& query) {
  std::size_t largest = 0;
  for (int a = 0; a < algorithms; ++a) {
    std::size_t bytes = 0;
    if (query(a, &bytes) == CUDNN_STATUS_SUCCESS) largest = std::max(largest, bytes);
  }
  return largest;
}

std::optional<ConvAlgorithm> search(KernelContext& ctx, cudnnHandle_t handle, ConvPass pass,
                                    const ConvDescriptors& d, const CudnnOperands& o,
                                    const ConvMath& math, ConvLayout layout) {
  // The search's workspace goes when it returns (cudnnFind*Ex blocks until its timing runs end).
  std::vector<Tensor> temps;
  int count = 0;
  int returned = 0;
  switch (pass) {
    case ConvPass::kForward: {
      VS_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &count));
      const std::size_t wanted =
          largest_workspace(CUDNN_CONVOLUTION_FWD_ALGO_COUNT, [&](int a, std::size_t* bytes) {
            return cudnnGetConvolutionForwardWorkspaceSize(
                handle, d.x.get(), d.w.get(), d.conv.get(), d.y.get(),
                static_cast<cudnnConvolutionFwdAlgo_t>(a), bytes);
          });
      const auto [ws, ws_bytes] = search_workspace(ctx, wanted, temps);
      std::vector<cudnnConvolutionFwdAlgoPerf_t> perf(static_cast<std::size_t>(std::max(count, 1)));
      VS_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(
          handle, d.x.get(), o.x, d.w.get(), o.w, d.conv.get(), d.y.get(), o.out,
          static_cast<int>(perf.size()), &returned, perf.data(), ws, ws_bytes));
      return choose(perf, returned, ws_bytes, math, layout);
    }
    case ConvPass::kBackwardData: {
      VS_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, &count));
      const std::size_t wanted =
          largest_workspace(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, [&](int a, std::size_t* bytes) {
            return cudnnGetConvolutionBackwardDataWorkspaceSize(
                handle, d.w.get(), d.y.get(), d.conv.get(), d.x.get(),
                static_cast<cudnnConvolutionBwdDataAlgo_t>(a), bytes);
          });
      const auto [ws, ws_bytes] = search_workspace(ctx, wanted, temps);
      std::vector<cudnnConvolutionBwdDataAlgoPerf_t> perf(
          static_cast<std::size_t>(std::max(count, 1)));
      VS_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
          handle, d.w.get(), o.w, d.y.get(), o.y, d.conv.get(), d.x.get(), o.out,
          static_cast<int>(perf.size()), &returned, perf.data(), ws, ws_bytes));
      return choose(perf, returned, ws_bytes, math, layout);
    }
    case ConvPass::kBackwardFilter: {
      VS_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, &count));
      const std::size_t wanted = largest_workspace(
          CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, [&](int a, std::size_t* bytes) {
            return cudnnGetConvolutionBackwardFilterWorkspaceSize(
                handle, d.x.get(), d.y.get(), d.conv.get(), d.w.get(),
                static_cast<cudnnConvolutionBwdFilterAlgo_t>(a), bytes);
          });
      const auto [ws, ws_bytes] = search_workspace(ctx, wanted, temps);
      std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> perf(
          static_cast<std::size_t>(std::max(count, 1)));
      VS_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
          handle, d.x.get(), o.x, d.y.get(), o.y, d.conv.get(), d.w.get(), o.out,
          static_cast<int>(perf.size()), &returned, perf.data(), ws, ws_bytes));
      return choose(perf, returned, ws_bytes, math, layout);
    }
  }
  return std::nullopt;
}

void execute(KernelContext& ctx, cudnnHandle_t handle, ConvPass pass, ConvDescriptors& d,
             const CudnnOperands& o, const ConvMath& math, const ConvAlgorithm& algorithm,
             std::vector<Tensor>& temps) {
  d.conv.set_math_type(algorithm.math_type);
  void* ws = workspace(ctx, algorithm.workspace_bytes, temps);
  const std::size_t ws_bytes = algorithm.workspace_bytes;
  // Scaling factors are double for double data, float otherwise.
  const float one_f = 1.0F, zero_f = 0.0F;
  const double one_d = 1.0, zero_d = 0.0;
  const void* one = math.is_double() ? static_cast<const void*>(&one_d) : &one_f;
  const void* zero = math.is_double() ? static_cast<const void*>(&zero_d) : &zero_f;
  switch (pass) {
    case ConvPass::kForward:
      VS_CUDNN_CHECK(
          cudnnConvolutionForward(handle, one, d.x.get(), o.x, d.w.get(), o.w, d.conv.get(),
                                  static_cast<cudnnConvolutionFwdAlgo_t>(algorithm.algorithm), ws,
                                  ws_bytes, zero, d.y.get(), o.out));
      return;
    case ConvPass::kBackwardData:
      VS_CUDNN_CHECK(cudnnConvolutionBackwardData(
          handle, one, d.w.get(), o.w, d.y.get(), o.y, d.conv.get(),
          static_cast<cudnnConvolutionBwdDataAlgo_t>(algorithm.algorithm), ws, ws_bytes, zero,
          d.x.get(), o.out));
      return;
    case ConvPass::kBackwardFilter:
      VS_CUDNN_CHECK(cudnnConvolutionBackwardFilter(
          handle, one, d.x.get(), o.x, d.y.get(), o.y, d.conv.get(),
          static_cast<cudnnConvolutionBwdFilterAlgo_t>(algorithm.algorithm), ws, ws_bytes, zero,
          d.w.get(), o.out));
      return;
  }
}

const char* pass_name(ConvPass pass) {
  switch (pass) {
    case ConvPass::kForward:
      return "forward";
    case ConvPass::kBackwardData:
      return "backward-data";
    case ConvPass::kBackwardFilter:
      return "backward-filter";
  }
  return "?";
}

const char* layout_name(ConvLayout layout) { return layout == ConvLayout::kNhwc ? "NHWC" : "NCHW"; }

std::string describe(const ConvAlgorithm& a) {
  return std::string(layout_name(a.layout)) + " algorithm " + std::to_string(a.algorithm) + " (" +
         std::to_string(a.algorithm_ms) + " ms + copies " + std::to_string(a.copies_ms) + " ms)";
}

/// Milliseconds the GPU spends on the work `queue` puts on `stream`. Blocks until it is done.
template <class Queue>
float time_on_stream(cudaStream_t stream, const Queue& queue) {
  Event start, stop;
  start.record(stream);
  queue();
  stop.record(stream);
  stop.synchronize();
  return stop.elapsed_ms_since(start);
}

/// Searches the layouts `math` allows for pass `pass` of `g`, caches the choice under `key` and
/// returns it. `prepare` / `finish` as for run_conv.
template <class Prepare, class Finish>
ConvAlgorithm search_layouts(KernelContext& ctx, cudnnHandle_t handle, ConvPass pass,
                             const ConvGeometry& g, const ConvMath& math,
                             const ConvAlgorithmKey& key, const Prepare& prepare,
                             const Finish& finish) {
  std::optional<ConvAlgorithm> best;
  std::string failures, searched;
  for (ConvLayout layout : math.layouts()) {
    std::optional<ConvAlgorithm> found;
    {
      std::vector<Tensor> temps;  // this layout's copies and output, freed after its search
      ConvDescriptors d = conv_descriptors(ctx, g, layout, math);
      const CudnnOperands o = prepare(layout, temps);
      try {
        found = search(ctx, handle, pass, d, o, math, layout);
      } catch (const CudaError& e) {  // e.g. CUDNN_STATUS_NOT_SUPPORTED for this layout
        failures +=
            std::string(failures.empty() ? "" : "; ") + layout_name(layout) + ": " + e.what();
        continue;
      }
    }
    if (!found) {
      failures += std::string(failures.empty() ? "" : "; ") + layout_name(layout) +
                  ": no algorithm ran in the available workspace with the required math mode";
      continue;
    }
    if (!math.compares_layouts()) {
      best = found;
      break;
    }
    // The copies into and out of this layout, timed on their own (the gather kernel has run once
    // already, in the search's prepare, so no first-launch cost is counted). The output they write
    // is overwritten when the chosen algorithm runs.
    found->copies_ms = time_on_stream(stream_of(ctx), [&] {
      std::vector<Tensor> temps;
      finish(layout, prepare(layout, temps));
    });
    searched += std::string(searched.empty() ? "" : ", ") + describe(*found);
    if (!best || found->total_ms() < best->total_ms()) best = found;
  }
  if (!best) {
    throw_for_node(ctx,
                   std::string("cuDNN has no ") + pass_name(pass) +
                       " convolution algorithm for input " + g.input_shape().to_string() +
                       ", filter " + g.filter_shape().to_string() + " (" + failures + ")",
                   /*internal=*/true);
  }
  const std::string where = "[" + ctx.node().op() + "] node '" + ctx.node().name() + "': cuDNN " +
                            pass_name(pass) + " convolution";
  if (!failures.empty()) {
    log_warning(where + " runs in " + layout_name(best->layout) + " (" + failures + ")");
  } else if (math.compares_layouts() && log_enabled(LogLevel::kInfo)) {
    log_info(where + " for input " + g.input_shape().to_string() + ", filter " +
             g.filter_shape().to_string() + ": " + describe(*best) + " of " + searched);
  }
  ConvAlgorithmCache::global().insert(key, *best);
  return *best;
}

/// Runs one pass: `prepare(layout, temps)` queues the layout copies of the inputs and returns the
/// operands, `finish(layout, operands)` queues the copy of the result into the output tensor. The
/// layout and algorithm come from the cache, or from a search the first time a problem is seen.
template <class Prepare, class Finish>
void run_conv(KernelContext& ctx, ConvPass pass, const ConvGeometry& g, DType dtype,
              const Prepare& prepare, const Finish& finish) {
  expect_fits_cudnn(ctx, g);
  const ConvMath math = conv_math(dtype);
  const ConvAlgorithmKey key = algorithm_key(pass, g, math);
  cudnnHandle_t handle = cudnn_handle(stream_of(ctx));
  std::optional<ConvAlgorithm> algorithm = ConvAlgorithmCache::global().find(key);
  if (!algorithm) algorithm = search_layouts(ctx, handle, pass, g, math, key, prepare, finish);
  std::vector<Tensor> temps;  // every temp lives until all the work using it is queued
  ConvDescriptors d = conv_descriptors(ctx, g, algorithm->layout, math);
  const CudnnOperands o = prepare(algorithm->layout, temps);
  execute(ctx, handle, pass, d, o, math, *algorithm, temps);
  finish(algorithm->layout, o);
}

// ------------------------------------------------------------------------------------------------
// Kernels

void conv2d_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  expect_rank4(ctx, filter, "filter", "(KH, KW, C_in, C_out)");
  const ConvGeometry g = conv_geometry(ctx, input.shape(), filter.shape());
  Tensor& out = ctx.allocate_output(0, g.output_shape());
  if (out.num_elements() == 0) return;
  if (g.patch_size() == 0) {  // an empty sum per output
    zero_fill(ctx, out);
    return;
  }
  auto prepare = [&](ConvLayout layout, std::vector<Tensor>& temps) {
    CudnnOperands o;
    o.x = cudnn_input(ctx, g, layout, input, temps);
    o.w = cudnn_filter(ctx, g, layout, filter, temps);
    o.out = layout == ConvLayout::kNhwc
                ? out.raw_data()
                : temps.emplace_back(ctx.allocate_temp(out.dtype(), Shape{out.num_elements()}))
                      .raw_data();
    return o;
  };
  auto finish = [&](ConvLayout layout, const CudnnOperands& o) {
    if (layout != ConvLayout::kNhwc) from_cudnn_output(ctx, g, o.out, out);
  };
  run_conv(ctx, ConvPass::kForward, g, input.dtype(), prepare, finish);
}

void conv2d_backprop_input_kernel(KernelContext& ctx) {
  const Tensor& filter = ctx.input(1);
  const Tensor& dy = ctx.input(2);
  expect_rank4(ctx, filter, "filter", "(KH, KW, C_in, C_out)");
  expect_rank4(ctx, dy, "out_backprop", "(N, H, W, C)");
  const ConvGeometry g = conv_geometry(ctx, sizes_input(ctx, 0, "input_sizes"), filter.shape());
  expect_out_backprop(ctx, g);
  Tensor& out = ctx.allocate_output(0, g.input_shape());
  if (out.num_elements() == 0) return;
  if (g.rows() == 0 || g.out_c == 0 || g.patch_size() == 0) {  // no window reaches any pixel
    zero_fill(ctx, out);
    return;
  }
  const auto direct = [&](ConvLayout layout) {
    return layout == ConvLayout::kNhwc && !g.explicitly_padded();
  };
  auto prepare = [&](ConvLayout layout, std::vector<Tensor>& temps) {
    CudnnOperands o;
    o.w = cudnn_filter(ctx, g, layout, filter, temps);
    o.y = cudnn_output_grad(ctx, g, layout, dy, temps);
    o.out = direct(layout)
                ? out.raw_data()
                : temps
                      .emplace_back(ctx.allocate_temp(
                          out.dtype(), Shape{g.batch * g.padded_h() * g.padded_w() * g.in_c}))
                      .raw_data();
    return o;
  };
  auto finish = [&](ConvLayout layout, const CudnnOperands& o) {
    if (!direct(layout)) from_cudnn_input(ctx, g, layout, o.out, out);
  };
  run_conv(ctx, ConvPass::kBackwardData, g, filter.dtype(), prepare, finish);
}

void conv2d_backprop_filter_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  const Tensor& dy = ctx.input(2);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  expect_rank4(ctx, dy, "out_backprop", "(N, H, W, C)");
  const ConvGeometry g = conv_geometry(ctx, input.shape(), sizes_input(ctx, 1, "filter_sizes"));
  expect_out_backprop(ctx, g);
  Tensor& out = ctx.allocate_output(0, g.filter_shape());
  if (out.num_elements() == 0) return;
  if (g.rows() == 0) {  // no output pixel: every sum is empty
    zero_fill(ctx, out);
    return;
  }
  auto prepare = [&](ConvLayout layout, std::vector<Tensor>& temps) {
    CudnnOperands o;
    o.x = cudnn_input(ctx, g, layout, input, temps);
    o.y = cudnn_output_grad(ctx, g, layout, dy, temps);
    o.out =
        temps.emplace_back(ctx.allocate_temp(out.dtype(), Shape{out.num_elements()})).raw_data();
    return o;
  };
  auto finish = [&](ConvLayout layout, const CudnnOperands& o) {
    from_cudnn_filter(ctx, g, layout, o.out, out);
  };
  run_conv(ctx, ConvPass::kBackwardFilter, g, input.dtype(), prepare, finish);
}

}  // namespace

void register_conv_kernels(KernelRegistry& registry) {
  // The CPU's dtypes. float16 / bfloat16 would work in cuDNN too, but the CPU registers neither.
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    registry.add("Conv2D", DeviceType::kGPU, dtype, conv2d_kernel);
    // input_sizes / filter_sizes are shape vectors: read on the host.
    registry.add("Conv2DBackpropInput", DeviceType::kGPU, dtype, conv2d_backprop_input_kernel,
                 HostMemory{.inputs = {0}});
    registry.add("Conv2DBackpropFilter", DeviceType::kGPU, dtype, conv2d_backprop_filter_kernel,
                 HostMemory{.inputs = {1}});
  }
}

}  // namespace varscope::cuda
