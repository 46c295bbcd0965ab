// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (NHWC input, (KH, KW, C_in, C_out) filter)
// as GEMMs over image patches:
//
//   patches (rows, K) with rows = N * OH * OW and K = KH * KW * C_in, one row per output pixel,
//   laid out (kh, kw, c_in) so the filter is already the (K, C_out) matrix;
//   Conv2D:               out (rows, C_out)  = patches * filter
//   Conv2DBackpropInput:  dpatches (rows, K) = dy * filter^T, then each input pixel gathers the
//                         patch entries it appeared in (col2im without write conflicts)
//   Conv2DBackpropFilter: dfilter (K, C_out) = sum over chunks of patches^T * dy
//
// The patch matrix is built in chunks of whole images (at most kMaxPatchElements per chunk) in
// workspace memory, and each GEMM is an Eigen contraction on the shared thread pool. A 1x1 filter
// with stride 1 needs no patches: the input is the patch matrix.
#include <algorithm>
#include <cstring>
#include <string>

#include "core/ops/window_geometry.h"
#include "cpu/kernels/nn_kernels.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

// Bounds the workspace of one chunk (16 MiB of float32).
constexpr std::int64_t kMaxPatchElements = std::int64_t{1} << 22;

template <class T>
using Matrix = Eigen::TensorMap<Eigen::Tensor<T, 2, Eigen::RowMajor>>;
template <class T>
using ConstMatrix = Eigen::TensorMap<Eigen::Tensor<const T, 2, Eigen::RowMajor>>;
using ContractDims = Eigen::array<Eigen::IndexPair<Eigen::Index>, 1>;

struct ConvGeometry {
  std::int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  std::int64_t k_h = 0, k_w = 0, out_c = 0;
  std::int64_t stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  std::int64_t out_h = 0, out_w = 0, pad_top = 0, pad_left = 0;

  std::int64_t patch_size() const { return k_h * k_w * in_c; }
  std::int64_t rows_per_image() const { return out_h * out_w; }
  std::int64_t rows() const { return batch * rows_per_image(); }
  // 1x1, stride 1: patches are the input pixels themselves (no padding either way).
  bool pointwise() const { return k_h == 1 && k_w == 1 && stride_h == 1 && stride_w == 1; }
  Shape input_shape() const { return Shape{batch, in_h, in_w, in_c}; }
  Shape filter_shape() const { return Shape{k_h, k_w, in_c, out_c}; }
  Shape output_shape() const { return Shape{batch, out_h, out_w, out_c}; }
};

// The geometry of a convolution of `input` (N, H, W, C) by `filter` (KH, KW, C_in, C_out), with
// shape inference's checks repeated on the run-time shapes.
ConvGeometry conv_geometry(const KernelContext& ctx, const Shape& input, const Shape& filter) {
  const WindowAttrs a = window_attrs(ctx.node());
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
  g.stride_h = a.strides[1];
  g.stride_w = a.strides[2];
  g.dil_h = a.dilations[1];
  g.dil_w = a.dilations[2];
  const window::Dim h = window::output_dim(g.in_h, g.k_h, g.dil_h, g.stride_h, a.same);
  const window::Dim w = window::output_dim(g.in_w, g.k_w, g.dil_w, g.stride_w, a.same);
  if (h.output < 0)
    ctx.fail(window::negative_output_message(h.output, g.in_h, g.k_h, g.dil_h, g.stride_h));
  if (w.output < 0)
    ctx.fail(window::negative_output_message(w.output, g.in_w, g.k_w, g.dil_w, g.stride_w));
  g.out_h = h.output;
  g.out_w = w.output;
  g.pad_top = h.pad_before;
  g.pad_left = w.pad_before;
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

// Images per chunk so that one chunk's patches stay under kMaxPatchElements (at least one image).
std::int64_t images_per_chunk(const ConvGeometry& g) {
  const std::int64_t per_image = std::max<std::int64_t>(1, g.rows_per_image() * g.patch_size());
  return std::clamp<std::int64_t>(kMaxPatchElements / per_image, 1,
                                  std::max<std::int64_t>(1, g.batch));
}

// Fills patches (rows [row_begin, row_end), K) from input (N, H, W, C); zeros where the window
// hangs over the padding.
template <class T>
void im2col(const ConvGeometry& g, const T* input, std::int64_t row_begin, std::int64_t row_end,
            T* patches) {
  const std::int64_t K = g.patch_size();
  const std::int64_t C = g.in_c;
  // Without dilation a patch row (kh, all kw) is one contiguous run of the input when inside it.
  const std::int64_t run = g.k_w * C;
  parallel_for(
      row_end - row_begin, static_cast<double>(K) * 2, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
          const std::int64_t row = row_begin + r;
          const std::int64_t n = row / g.rows_per_image();
          const std::int64_t oh = (row / g.out_w) % g.out_h;
          const std::int64_t ow = row % g.out_w;
          T* dst = patches + r * K;
          const std::int64_t h0 = oh * g.stride_h - g.pad_top;
          const std::int64_t w0 = ow * g.stride_w - g.pad_left;
          const bool w_inside = w0 >= 0 && w0 + (g.k_w - 1) * g.dil_w < g.in_w;
          for (std::int64_t kh = 0; kh < g.k_h; ++kh, dst += run) {
            const std::int64_t ih = h0 + kh * g.dil_h;
            if (ih < 0 || ih >= g.in_h) {
              std::fill_n(dst, run, T(0));
              continue;
            }
            const T* src_row = input + ((n * g.in_h + ih) * g.in_w) * C;
            if (w_inside && g.dil_w == 1) {
              std::memcpy(dst, src_row + w0 * C, static_cast<std::size_t>(run) * sizeof(T));
              continue;
            }
            for (std::int64_t kw = 0; kw < g.k_w; ++kw) {
              const std::int64_t iw = w0 + kw * g.dil_w;
              if (iw < 0 || iw >= g.in_w) {
                std::fill_n(dst + kw * C, C, T(0));
              } else {
                std::memcpy(dst + kw * C, src_row + iw * C,
                            static_cast<std::size_t>(C) * sizeof(T));
              }
            }
          }
        }
      });
}

// The inverse of im2col for images [n_begin, n_end): each input pixel (n, ih, iw) sums the patch
// entries (rows from row_begin on) that copied it. A gather, so pixels run in parallel.
template <class T>
void col2im(const ConvGeometry& g, const T* dpatches, std::int64_t n_begin, std::int64_t n_end,
            T* dinput) {
  const std::int64_t K = g.patch_size();
  const std::int64_t C = g.in_c;
  const std::int64_t row_begin = n_begin * g.rows_per_image();
  const std::int64_t pixels = (n_end - n_begin) * g.in_h * g.in_w;
  const double cost =
      static_cast<double>(g.k_h * g.k_w * C) / static_cast<double>(g.stride_h * g.stride_w) + 8;
  parallel_for(pixels, cost, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t p = begin; p < end; ++p) {
      const std::int64_t n = n_begin + p / (g.in_h * g.in_w);
      const std::int64_t ih = (p / g.in_w) % g.in_h;
      const std::int64_t iw = p % g.in_w;
      Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> dst(
          dinput + ((n * g.in_h + ih) * g.in_w + iw) * C, C);
      dst.setZero();
      for (std::int64_t kh = 0; kh < g.k_h; ++kh) {
        const std::int64_t hh =
            ih + g.pad_top - kh * g.dil_h;  // = oh * stride_h when pixel is in window
        if (hh < 0 || hh % g.stride_h != 0) continue;
        const std::int64_t oh = hh / g.stride_h;
        if (oh >= g.out_h) continue;
        for (std::int64_t kw = 0; kw < g.k_w; ++kw) {
          const std::int64_t ww = iw + g.pad_left - kw * g.dil_w;
          if (ww < 0 || ww % g.stride_w != 0) continue;
          const std::int64_t ow = ww / g.stride_w;
          if (ow >= g.out_w) continue;
          const std::int64_t row = (n * g.out_h + oh) * g.out_w + ow - row_begin;
          dst += Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(
              dpatches + row * K + (kh * g.k_w + kw) * C, C);
        }
      }
    }
  });
}

template <class T>
void conv2d_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  const Tensor& filter = ctx.input(1);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  expect_rank4(ctx, filter, "filter", "(KH, KW, C_in, C_out)");
  const ConvGeometry g = conv_geometry(ctx, input.shape(), filter.shape());
  Tensor& out = ctx.allocate_output(0, g.output_shape());
  if (out.num_elements() == 0) return;
  const std::int64_t K = g.patch_size();
  T* y = elements<T>(out);
  if (K == 0) {
    std::fill_n(y, out.num_elements(), T(0));
    return;
  }
  const auto& device = eigen_device();
  const ConstMatrix<T> w(elements<T>(filter), K, g.out_c);
  const ContractDims dims{Eigen::IndexPair<Eigen::Index>(1, 0)};
  if (g.pointwise()) {
    Matrix<T>(y, g.rows(), g.out_c).device(device) =
        ConstMatrix<T>(elements<T>(input), g.rows(), K).contract(w, dims);
    return;
  }
  const std::int64_t chunk = images_per_chunk(g);
  Tensor scratch =
      ctx.allocate_temp(input.dtype(), Shape{std::min(chunk, g.batch) * g.rows_per_image(), K});
  for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const std::int64_t r0 = n0 * g.rows_per_image();
    const std::int64_t r1 = std::min(g.batch, n0 + chunk) * g.rows_per_image();
    im2col(g, elements<T>(input), r0, r1, elements<T>(scratch));
    const ConstMatrix<T> patches(elements<T>(scratch), r1 - r0, K);
    Matrix<T>(y + r0 * g.out_c, r1 - r0, g.out_c).device(device) = patches.contract(w, dims);
  }
}

template <class T>
void conv2d_backprop_input_kernel(KernelContext& ctx) {
  const Tensor& filter = ctx.input(1);
  const Tensor& dy = ctx.input(2);
  expect_rank4(ctx, filter, "filter", "(KH, KW, C_in, C_out)");
  expect_rank4(ctx, dy, "out_backprop", "(N, H, W, C)");
  const ConvGeometry g = conv_geometry(ctx, sizes_input(ctx, 0, "input_sizes"), filter.shape());
  expect_out_backprop(ctx, g);
  Tensor& out = ctx.allocate_output(0, g.input_shape());
  if (out.num_elements() == 0) return;
  T* dx = elements<T>(out);
  const std::int64_t K = g.patch_size();
  if (g.rows() == 0 || g.out_c == 0) {
    std::fill_n(dx, out.num_elements(), T(0));
    return;
  }
  const auto& device = eigen_device();
  const ConstMatrix<T> w(elements<T>(filter), K, g.out_c);
  const ContractDims dims{Eigen::IndexPair<Eigen::Index>(1, 1)};  // dy * w^T
  if (g.pointwise()) {
    Matrix<T>(dx, g.rows(), K).device(device) =
        ConstMatrix<T>(elements<T>(dy), g.rows(), g.out_c).contract(w, dims);
    return;
  }
  const std::int64_t chunk = images_per_chunk(g);
  Tensor scratch =
      ctx.allocate_temp(dy.dtype(), Shape{std::min(chunk, g.batch) * g.rows_per_image(), K});
  for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const std::int64_t n1 = std::min(g.batch, n0 + chunk);
    const std::int64_t r0 = n0 * g.rows_per_image();
    const std::int64_t rows = (n1 - n0) * g.rows_per_image();
    const ConstMatrix<T> dy_rows(elements<T>(dy) + r0 * g.out_c, rows, g.out_c);
    Matrix<T>(elements<T>(scratch), rows, K).device(device) = dy_rows.contract(w, dims);
    col2im(g, elements<T>(scratch), n0, n1, dx);
  }
}

template <class T>
void conv2d_backprop_filter_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  const Tensor& dy = ctx.input(2);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  expect_rank4(ctx, dy, "out_backprop", "(N, H, W, C)");
  const ConvGeometry g = conv_geometry(ctx, input.shape(), sizes_input(ctx, 1, "filter_sizes"));
  expect_out_backprop(ctx, g);
  Tensor& out = ctx.allocate_output(0, g.filter_shape());
  if (out.num_elements() == 0) return;
  const std::int64_t K = g.patch_size();
  Matrix<T> dw(elements<T>(out), K, g.out_c);
  if (g.rows() == 0) {
    std::fill_n(elements<T>(out), out.num_elements(), T(0));
    return;
  }
  const auto& device = eigen_device();
  const ContractDims dims{Eigen::IndexPair<Eigen::Index>(0, 0)};  // patches^T * dy
  if (g.pointwise()) {
    const ConstMatrix<T> patches(elements<T>(input), g.rows(), K);
    dw.device(device) = patches.contract(ConstMatrix<T>(elements<T>(dy), g.rows(), g.out_c), dims);
    return;
  }
  const std::int64_t chunk = images_per_chunk(g);
  Tensor scratch =
      ctx.allocate_temp(input.dtype(), Shape{std::min(chunk, g.batch) * g.rows_per_image(), K});
  for (std::int64_t n0 = 0; n0 < g.batch; n0 += chunk) {
    const std::int64_t r0 = n0 * g.rows_per_image();
    const std::int64_t r1 = std::min(g.batch, n0 + chunk) * g.rows_per_image();
    im2col(g, elements<T>(input), r0, r1, elements<T>(scratch));
    const ConstMatrix<T> patches(elements<T>(scratch), r1 - r0, K);
    const ConstMatrix<T> dy_rows(elements<T>(dy) + r0 * g.out_c, r1 - r0, g.out_c);
    if (n0 == 0) {
      dw.device(device) = patches.contract(dy_rows, dims);
    } else {
      dw.device(device) += patches.contract(dy_rows, dims);
    }
  }
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("Conv2D", DeviceType::kCPU, dtype, conv2d_kernel<T>);
  registry.add("Conv2DBackpropInput", DeviceType::kCPU, dtype, conv2d_backprop_input_kernel<T>);
  registry.add("Conv2DBackpropFilter", DeviceType::kCPU, dtype, conv2d_backprop_filter_kernel<T>);
}

}  // namespace

void register_conv_kernels(KernelRegistry& registry) {
  register_for<float>(registry, DType::kFloat32);
  register_for<double>(registry, DType::kFloat64);
}

}  // namespace varscope::cpu
