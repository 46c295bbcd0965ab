// MaxPool, AvgPool (NHWC) and their gradients. Each output pixel reduces its window over whole
// channel vectors (contiguous in NHWC, so Eigen vectorizes them); the forward passes run output
// rows in parallel, the gradients whole images (their windows overlap only within an image).
//
// Padding is never part of a window: MaxPool ignores it, AvgPool divides by the number of real
// pixels (as TF). MaxPoolGrad routes each gradient to the first maximum of its window in row-major
// order, as TF's CPU kernel does (a later equal value does not replace it).
#include <algorithm>
#include <string>
#include <vector>

#include "core/ops/window_geometry.h"
#include "cpu/kernels/nn_kernels.h"
#include "cpu/thread_pool.h"

namespace varscope::cpu {
namespace {

template <class T>
using Vec = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using ConstVec = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

struct PoolGeometry {
  std::int64_t batch = 0, in_h = 0, in_w = 0, depth = 0;
  std::int64_t k_h = 0, k_w = 0, stride_h = 1, stride_w = 1;
  std::int64_t out_h = 0, out_w = 0, pad_top = 0, pad_left = 0;

  Shape input_shape() const { return Shape{batch, in_h, in_w, depth}; }
  Shape output_shape() const { return Shape{batch, out_h, out_w, depth}; }
  // The window of output (oh, ow) clipped to the input: rows [h0, h1), columns [w0, w1).
  void window(std::int64_t oh, std::int64_t ow, std::int64_t& h0, std::int64_t& h1,
              std::int64_t& w0, std::int64_t& w1) const {
    h0 = oh * stride_h - pad_top;
    w0 = ow * stride_w - pad_left;
    h1 = std::min(h0 + k_h, in_h);
    w1 = std::min(w0 + k_w, in_w);
    h0 = std::max<std::int64_t>(h0, 0);
    w0 = std::max<std::int64_t>(w0, 0);
  }
};

PoolGeometry pool_geometry(const KernelContext& ctx, const Shape& input) {
  const WindowAttrs a = window_attrs(ctx.node());
  PoolGeometry g;
  g.batch = input.dim(0);
  g.in_h = input.dim(1);
  g.in_w = input.dim(2);
  g.depth = input.dim(3);
  g.k_h = a.ksize[1];
  g.k_w = a.ksize[2];
  g.stride_h = a.strides[1];
  g.stride_w = a.strides[2];
  const window::Dim h = window::output_dim(g.in_h, g.k_h, 1, g.stride_h, a.same);
  const window::Dim w = window::output_dim(g.in_w, g.k_w, 1, g.stride_w, a.same);
  if (h.output < 0)
    ctx.fail(window::negative_output_message(h.output, g.in_h, g.k_h, 1, g.stride_h));
  if (w.output < 0)
    ctx.fail(window::negative_output_message(w.output, g.in_w, g.k_w, 1, g.stride_w));
  g.out_h = h.output;
  g.out_w = w.output;
  g.pad_top = h.pad_before;
  g.pad_left = w.pad_before;
  return g;
}

void expect_pooled(const KernelContext& ctx, const Tensor& t, const char* what,
                   const PoolGeometry& g) {
  if (t.shape() != g.output_shape()) {
    ctx.fail(std::string(what) + " shape " + t.shape().to_string() +
             " does not match the pooled shape " + g.output_shape().to_string() + " of input " +
             g.input_shape().to_string());
  }
}

// Pools every output pixel: reduce(out_vector, window) over output rows in parallel.
template <class T, class Reduce>
void pool_forward(const PoolGeometry& g, const T* in, T* out, const Reduce& reduce) {
  const double cost = static_cast<double>(g.out_w * g.k_h * g.k_w * g.depth);
  parallel_for(g.batch * g.out_h, cost, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const std::int64_t n = r / g.out_h, oh = r % g.out_h;
      for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
        std::int64_t h0, h1, w0, w1;
        g.window(oh, ow, h0, h1, w0, w1);
        Vec<T> dst(out + ((n * g.out_h + oh) * g.out_w + ow) * g.depth, g.depth);
        reduce(dst, in + n * g.in_h * g.in_w * g.depth, h0, h1, w0, w1);
      }
    }
  });
}

template <class T>
void max_pool_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  const PoolGeometry g = pool_geometry(ctx, input.shape());
  Tensor& out = ctx.allocate_output(0, g.output_shape());
  if (out.num_elements() == 0) return;
  pool_forward<T>(g, elements<T>(input), elements<T>(out),
                  [&](Vec<T>& dst, const T* image, std::int64_t h0, std::int64_t h1,
                      std::int64_t w0, std::int64_t w1) {
                    dst = ConstVec<T>(image + (h0 * g.in_w + w0) * g.depth, g.depth);
                    for (std::int64_t h = h0; h < h1; ++h) {
                      for (std::int64_t w = (h == h0 ? w0 + 1 : w0); w < w1; ++w) {
                        dst = dst.max(ConstVec<T>(image + (h * g.in_w + w) * g.depth, g.depth));
                      }
                    }
                  });
}

template <class T>
void avg_pool_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  expect_rank4(ctx, input, "input", "(N, H, W, C)");
  const PoolGeometry g = pool_geometry(ctx, input.shape());
  Tensor& out = ctx.allocate_output(0, g.output_shape());
  if (out.num_elements() == 0) return;
  pool_forward<T>(g, elements<T>(input), elements<T>(out),
                  [&](Vec<T>& dst, const T* image, std::int64_t h0, std::int64_t h1,
                      std::int64_t w0, std::int64_t w1) {
                    dst.setZero();
                    for (std::int64_t h = h0; h < h1; ++h) {
                      for (std::int64_t w = w0; w < w1; ++w) {
                        dst += ConstVec<T>(image + (h * g.in_w + w) * g.depth, g.depth);
                      }
                    }
                    dst /= static_cast<T>((h1 - h0) * (w1 - w0));
                  });
}

// Runs fn(n) for every image in parallel, after zeroing the image-sized gradient `dx`.
template <class T, class Fn>
void per_image(const PoolGeometry& g, T* dx, const Fn& fn) {
  const std::int64_t image = g.in_h * g.in_w * g.depth;
  const double cost = static_cast<double>(g.out_h * g.out_w * g.k_h * g.k_w * g.depth + image);
  parallel_for(g.batch, cost, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t n = begin; n < end; ++n) {
      std::fill_n(dx + n * image, image, T(0));
      fn(n);
    }
  });
}

// MaxPoolGrad(orig_input, orig_output, grad): TF recomputes the arg-max from orig_input.
template <class T>
void max_pool_grad_kernel(KernelContext& ctx) {
  const Tensor& input = ctx.input(0);
  expect_rank4(ctx, input, "orig_input", "(N, H, W, C)");
  const PoolGeometry g = pool_geometry(ctx, input.shape());
  expect_pooled(ctx, ctx.input(1), "orig_output", g);
  expect_pooled(ctx, ctx.input(2), "grad", g);
  Tensor& out = ctx.allocate_output(0, g.input_shape());
  if (out.num_elements() == 0) return;
  const T* x = elements<T>(input);
  const T* dy = elements<T>(ctx.input(2));
  T* dx = elements<T>(out);
  const std::int64_t C = g.depth;
  per_image<T>(g, dx, [&](std::int64_t n) {
    const T* image = x + n * g.in_h * g.in_w * C;
    T* dimage = dx + n * g.in_h * g.in_w * C;
    std::vector<T> best(static_cast<std::size_t>(C));
    std::vector<std::int64_t> arg(static_cast<std::size_t>(C));
    for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
      for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
        std::int64_t h0, h1, w0, w1;
        g.window(oh, ow, h0, h1, w0, w1);
        const std::int64_t first = (h0 * g.in_w + w0) * C;
        for (std::int64_t c = 0; c < C; ++c) {
          best[static_cast<std::size_t>(c)] = image[first + c];
          arg[static_cast<std::size_t>(c)] = first + c;
        }
        for (std::int64_t h = h0; h < h1; ++h) {
          for (std::int64_t w = (h == h0 ? w0 + 1 : w0); w < w1; ++w) {
            const std::int64_t base = (h * g.in_w + w) * C;
            for (std::int64_t c = 0; c < C; ++c) {
              const auto k = static_cast<std::size_t>(c);
              const bool greater = image[base + c] > best[k];  // strictly: the first max wins
              best[k] = greater ? image[base + c] : best[k];
              arg[k] = greater ? base + c : arg[k];
            }
          }
        }
        const T* g_row = dy + ((n * g.out_h + oh) * g.out_w + ow) * C;
        for (std::int64_t c = 0; c < C; ++c) dimage[arg[static_cast<std::size_t>(c)]] += g_row[c];
      }
    }
  });
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
  const T* dy = elements<T>(ctx.input(1));
  T* dx = elements<T>(out);
  const std::int64_t C = g.depth;
  per_image<T>(g, dx, [&](std::int64_t n) {
    T* dimage = dx + n * g.in_h * g.in_w * C;
    for (std::int64_t oh = 0; oh < g.out_h; ++oh) {
      for (std::int64_t ow = 0; ow < g.out_w; ++ow) {
        std::int64_t h0, h1, w0, w1;
        g.window(oh, ow, h0, h1, w0, w1);
        const T scale = T(1) / static_cast<T>((h1 - h0) * (w1 - w0));
        const ConstVec<T> g_row(dy + ((n * g.out_h + oh) * g.out_w + ow) * C, C);
        for (std::int64_t h = h0; h < h1; ++h) {
          for (std::int64_t w = w0; w < w1; ++w)
            Vec<T>(dimage + (h * g.in_w + w) * C, C) += g_row * scale;
        }
      }
    }
  });
}

template <class T>
void register_for(KernelRegistry& registry, DType dtype) {
  registry.add("MaxPool", DeviceType::kCPU, dtype, max_pool_kernel<T>);
  registry.add("AvgPool", DeviceType::kCPU, dtype, avg_pool_kernel<T>);
  registry.add("MaxPoolGrad", DeviceType::kCPU, dtype, max_pool_grad_kernel<T>);
  registry.add("AvgPoolGrad", DeviceType::kCPU, dtype, avg_pool_grad_kernel<T>);
}

}  // namespace

void register_pool_kernels(KernelRegistry& registry) {
  register_for<float>(registry, DType::kFloat32);
  register_for<double>(registry, DType::kFloat64);
}

}  // namespace varscope::cpu
