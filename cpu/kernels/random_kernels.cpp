// RandomUniform, RandomStandardNormal, TruncatedNormal from Philox4x32-10 (philox.h), drawn as TF's
// CPU kernels draw them: group g of 4 outputs (2 for float64) uses block g of the run's stream;
// truncated normal gives each group a sub-stream and redraws beyond 2 stddev (see TF's FillPhilox).
#include <bit>
#include <mutex>
#include <random>
#include <string>
#include <type_traits>

#include "core/fused_kernels.h"
#include "cpu/kernels/kernel_util.h"
#include "cpu/kernels/philox.h"

namespace varscope::cpu {
namespace {

using philox::Block;
using philox::Philox4x32;

enum class Distribution { kUniform, kNormal, kTruncatedNormal };

// Note [Random op state]: like a TF kernel instance, each random node keeps a stream position per
// session, so one node gives new values on every run while two nodes with equal (seed, seed2)
// agree and a new session starts over. The kernel API has no per-node state, so the position
// lives in the session's VariableValues under the random node itself (never a VariableV2, so
// nothing mistakes it for a variable): an int64 tensor (seed, seed2, blocks already reserved).
// seed = seed2 = 0 means "unseeded": a key from std::random_device, fixed for the session.
std::mutex state_mutex;

// The stream of random node `node` for a run drawing `num_outputs` values.
Philox4x32 reserve_stream(VariableValues& variables, const Node& node, std::int64_t num_outputs) {
  std::lock_guard<std::mutex> lock(state_mutex);
  Tensor state = variables.get(&node);
  std::uint64_t seed, seed2, offset;
  if (state.defined()) {
    const std::int64_t* s = elements<std::int64_t>(state);
    seed = static_cast<std::uint64_t>(s[0]);
    seed2 = static_cast<std::uint64_t>(s[1]);
    offset = static_cast<std::uint64_t>(s[2]);
  } else {
    seed = static_cast<std::uint64_t>(node.has_attr("seed") ? node.attr_as<std::int64_t>("seed") : 0);
    seed2 = static_cast<std::uint64_t>(node.has_attr("seed2") ? node.attr_as<std::int64_t>("seed2") : 0);
    if (seed == 0 && seed2 == 0) {
      std::random_device device;
      auto random64 = [&] { return (static_cast<std::uint64_t>(device()) << 32) | device(); };
      seed = random64();
      seed2 = random64();
    }
    offset = 0;
  }
  Philox4x32 gen(seed, seed2);
  gen.skip(offset);
  Tensor next(DType::kInt64, Shape{3});
  std::int64_t* n = elements<std::int64_t>(next);
  n[0] = static_cast<std::int64_t>(seed);
  n[1] = static_cast<std::int64_t>(seed2);
  n[2] = static_cast<std::int64_t>(offset + static_cast<std::uint64_t>(num_outputs) * philox::kReservedSamplesPerOutput);
  variables.set(&node, std::move(next));
  return gen;
}

template <class T>
T from_float(float x) {
  if constexpr (std::is_same_v<T, float>) {
    return x;
  } else {
    return T(x);
  }
}

// Values in [0, 1) from the mantissa-bit constructions of philox.h.
template <class T>
T uniform_from(std::uint32_t x) {
  if constexpr (std::is_same_v<T, float>) {
    return philox::uint32_to_float(x);
  } else if constexpr (std::is_same_v<T, Eigen::half>) {
    return std::bit_cast<Eigen::half>(philox::uint16_to_half_bits_1_2(x)) - Eigen::half(1.0f);
  } else {
    return std::bit_cast<Eigen::bfloat16>(philox::uint16_to_bfloat16_bits_1_2(x)) - Eigen::bfloat16(1.0f);
  }
}

template <class T>
constexpr int group_size() {
  return std::is_same_v<T, double> ? 2 : 4;
}

// One group of group_size<T>() values.
template <class T, Distribution D>
void draw_group(Philox4x32& gen, T* out) {
  if constexpr (D == Distribution::kTruncatedNormal) {
    philox::SingleSample sample(&gen);
    int count = 0;
    while (count < group_size<T>()) {
      if constexpr (std::is_same_v<T, double>) {
        const std::uint32_t x0 = sample(), x1 = sample(), x2 = sample(), x3 = sample();
        double d[2];
        philox::box_muller_double(x0, x1, x2, x3, &d[0], &d[1]);
        for (int i = 0; i < 2 && count < 2; ++i) {
          if (std::abs(d[i]) < 2.0) out[count++] = d[i];
        }
      } else {
        const std::uint32_t x0 = sample(), x1 = sample();
        float f[2];
        philox::box_muller_float(x0, x1, &f[0], &f[1]);
        for (int i = 0; i < 2 && count < 4; ++i) {
          if (std::abs(f[i]) < 2.0f) out[count++] = from_float<T>(f[i]);
        }
      }
    }
    return;
  }
  const Block b = gen();
  if constexpr (std::is_same_v<T, double>) {
    if constexpr (D == Distribution::kUniform) {
      out[0] = philox::uint64_to_double(b.v[0], b.v[1]);
      out[1] = philox::uint64_to_double(b.v[2], b.v[3]);
    } else {
      philox::box_muller_double(b.v[0], b.v[1], b.v[2], b.v[3], &out[0], &out[1]);
    }
  } else if constexpr (D == Distribution::kUniform) {
    for (int i = 0; i < 4; ++i) out[i] = uniform_from<T>(b.v[i]);
  } else {
    float f[4];
    philox::box_muller_float(b.v[0], b.v[1], &f[0], &f[1]);
    philox::box_muller_float(b.v[2], b.v[3], &f[2], &f[3]);
    for (int i = 0; i < 4; ++i) out[i] = from_float<T>(f[i]);
  }
}

template <class T, Distribution D>
void fill_random(Philox4x32 base, T* out, std::int64_t n) {
  constexpr int kGroup = group_size<T>();
  // Truncated normal uses a variable number of samples: each group gets its own sub-stream.
  constexpr std::uint64_t kSkipPerGroup = kGroup * philox::kReservedSamplesPerOutput / 4;
  Philox4x32 gen = base;
  T partial[kGroup];
  for (std::int64_t g = 0; g * kGroup < n; ++g) {
    if constexpr (D == Distribution::kTruncatedNormal) {
      gen = base;
      gen.skip(static_cast<std::uint64_t>(g) * kSkipPerGroup);
    }
    const std::int64_t offset = g * kGroup;
    if (offset + kGroup <= n) {
      draw_group<T, D>(gen, out + offset);
    } else {
      draw_group<T, D>(gen, partial);
      for (std::int64_t i = offset; i < n; ++i) out[i] = partial[i - offset];
    }
  }
}

template <Distribution D>
void random_kernel(KernelContext& ctx) {
  const std::vector<std::int64_t> dims = index_values(ctx, ctx.input(0), "shape");
  for (std::int64_t d : dims) {
    if (d < 0) ctx.fail("shape must be non-negative, got " + list_to_string(dims));
  }
  Tensor& out = ctx.allocate_output(0, Shape(dims));
  const std::int64_t n = out.num_elements();
  const Philox4x32 gen = reserve_stream(ctx.variables(), ctx.node(), n);
  switch (out.dtype()) {
    case DType::kFloat32: return fill_random<float, D>(gen, elements<float>(out), n);
    case DType::kFloat64: return fill_random<double, D>(gen, elements<double>(out), n);
    case DType::kFloat16: return fill_random<Eigen::half, D>(gen, elements<Eigen::half>(out), n);
    case DType::kBFloat16: return fill_random<Eigen::bfloat16, D>(gen, elements<Eigen::bfloat16>(out), n);
    default: ctx.fail("dtype " + std::string(dtype_name(out.dtype())) + " is not supported (needs a floating dtype)");
  }
}

// tf.nn.dropout's chain fused by a plan (core/fusion.cpp): the RandomUniform node's uniforms, as
// its kernel draws them, each put through Mul, Add, GreaterEqual, Cast and the two Muls one
// operation at a time (separate statements: no contraction into FMAs), as the separate kernels
// round them.
template <class T>
void dropout_kernel(KernelContext& ctx) {
  const std::int64_t n = check_dropout_args(ctx);
  const Tensor& x = ctx.input(4);
  Tensor& result = ctx.allocate_output(0, x.shape());
  Tensor& mask = ctx.allocate_output(1, x.shape());
  const Philox4x32 gen = reserve_stream(ctx.variables(), *ctx.fused_nodes().front(), n);
  T* keep = elements<T>(mask);
  fill_random<T, Distribution::kUniform>(gen, keep, n);  // the uniforms, in the mask's buffer
  const T range = elements<T>(ctx.input(1))[0];
  const T minval = elements<T>(ctx.input(2))[0];
  const T rate = elements<T>(ctx.input(3))[0];
  const T scale = elements<T>(ctx.input(5))[0];
  const T* in = elements<T>(x);
  T* out = elements<T>(result);
  for (std::int64_t i = 0; i < n; ++i) {
    const T stretched = keep[i] * range;
    const T uniform = stretched + minval;
    const T kept = uniform >= rate ? T(1) : T(0);
    const T scaled = in[i] * scale;
    out[i] = scaled * kept;
    keep[i] = kept;
  }
}

}  // namespace

void register_random_kernels(KernelRegistry& registry) {
  // Registered for any dtype: attr T is the shape's index type, so the output dtype (attr dtype)
  // is checked inside (and by shape inference).
  registry.add("RandomUniform", DeviceType::kCPU, DType::kInvalid, random_kernel<Distribution::kUniform>);
  registry.add("RandomStandardNormal", DeviceType::kCPU, DType::kInvalid, random_kernel<Distribution::kNormal>);
  registry.add("TruncatedNormal", DeviceType::kCPU, DType::kInvalid, random_kernel<Distribution::kTruncatedNormal>);
  registry.add(kFusedDropout, DeviceType::kCPU, DType::kFloat32, dropout_kernel<float>);
  registry.add(kFusedDropout, DeviceType::kCPU, DType::kFloat64, dropout_kernel<double>);
}

}  // namespace varscope::cpu
