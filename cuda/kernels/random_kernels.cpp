// GPU kernels of RandomUniform, RandomStandardNormal and TruncatedNormal: the host half. The shape
// input stays in host memory. Each node keeps its stream position per session exactly as the CPU
// kernels do (cpu/kernels/random_kernels.cpp, Note [Random op state]): an int64 host tensor
// (seed, seed2, blocks already reserved) in the session's VariableValues under the node itself,
// advanced by n * kReservedSamplesPerOutput blocks a run. So a GPU session gives the same values
// as a CPU session for the same seeds and run count.
#include "cuda/kernels/random_kernels.h"

#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/fused_kernels.h"
#include "core/kernel_args.h"
#include "cpu/kernels/philox.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"

namespace varscope::cuda {
namespace {

// Stream start of one run: the key and counter high half, and the block offset.
struct StreamPosition {
  std::uint64_t seed{};
  std::uint64_t seed2{};
  std::uint64_t offset{};
};

std::mutex state_mutex;

// The CPU's reserve_stream: the node's position (seeded from its attrs, or from
// std::random_device for seed = seed2 = 0, on its first run), then moved past this run's values.
StreamPosition reserve_stream(VariableValues& variables, const Node& node,
                              std::int64_t num_outputs) {
  std::lock_guard<std::mutex> lock(state_mutex);
  const Tensor state = variables.get(&node);
  StreamPosition position;
  if (state.defined()) {
    const std::int64_t* s = state.data<std::int64_t>();
    position.seed = static_cast<std::uint64_t>(s[0]);
    position.seed2 = static_cast<std::uint64_t>(s[1]);
    position.offset = static_cast<std::uint64_t>(s[2]);
  } else {
    position.seed =
        static_cast<std::uint64_t>(node.has_attr("seed") ? node.attr_as<std::int64_t>("seed") : 0);
    position.seed2 = static_cast<std::uint64_t>(
        node.has_attr("seed2") ? node.attr_as<std::int64_t>("seed2") : 0);
    if (position.seed == 0 && position.seed2 == 0) {
      std::random_device device;
      auto random64 = [&] { return (static_cast<std::uint64_t>(device()) << 32) | device(); };
      position.seed = random64();
      position.seed2 = random64();
    }
  }
  Tensor next(DType::kInt64, Shape{3});  // host memory, as the CPU kernel keeps it
  std::int64_t* n = next.data<std::int64_t>();
  n[0] = static_cast<std::int64_t>(position.seed);
  n[1] = static_cast<std::int64_t>(position.seed2);
  n[2] = static_cast<std::int64_t>(position.offset + static_cast<std::uint64_t>(num_outputs) *
                                                         philox::kReservedSamplesPerOutput);
  variables.set(&node, std::move(next));
  return position;
}

// Where a run of random node `node` drawing n values starts: the position itself when the run is
// eager (`device` null); captured, device memory that each replay of the CUDA graph uploads afresh,
// reserved then, so replays draw new values exactly as eager runs would (`holder` keeps it).
struct Draw {
  StreamPosition position;
  const std::uint64_t* device = nullptr;
  Tensor holder;
};

Draw reserve_draw(KernelContext& ctx, const Node& node, std::int64_t n) {
  Draw draw;
  if (!cuda_backend_of(ctx).capturing()) {
    draw.position = reserve_stream(ctx.variables(), node, n);
    return draw;
  }
  draw.holder = ctx.allocate_temp(DType::kInt64, Shape{3});
  ctx.backend().upload_each_run(draw.holder.raw_data(), 3 * sizeof(std::uint64_t),
                                [&variables = ctx.variables(), &node, n](void* host) {
                                  const StreamPosition p = reserve_stream(variables, node, n);
                                  auto* words = static_cast<std::uint64_t*>(host);
                                  words[0] = p.seed;
                                  words[1] = p.seed2;
                                  words[2] = p.offset;
                                });
  draw.device = static_cast<const std::uint64_t*>(draw.holder.raw_data());
  return draw;
}

template <RandomDistribution D>
void random_kernel(KernelContext& ctx) {
  const std::vector<std::int64_t> dims = index_values(ctx, ctx.input(0), "shape");
  for (std::int64_t d : dims) {
    if (d < 0) ctx.fail("shape must be non-negative, got " + list_to_string(dims));
  }
  Tensor& out = ctx.allocate_output(0, Shape(dims));
  const std::int64_t n = out.num_elements();
  if (!is_floating(out.dtype())) {
    ctx.fail("dtype " + std::string(dtype_name(out.dtype())) +
             " is not supported (needs a floating dtype)");
  }
  const Draw draw = reserve_draw(ctx, ctx.node(), n);
  fill_random(out.dtype(), D, draw.position.seed, draw.position.seed2, draw.position.offset,
              draw.device, out.raw_data(), n, stream_of(ctx));
}

// tf.nn.dropout's chain fused by a plan (core/fusion.cpp): the RandomUniform node's stream.
void dropout_kernel(KernelContext& ctx) {
  const std::int64_t n = check_dropout_args(ctx);
  const Tensor& x = ctx.input(4);
  Tensor& result = ctx.allocate_output(0, x.shape());
  Tensor& mask = ctx.allocate_output(1, x.shape());
  const Draw draw = reserve_draw(ctx, *ctx.fused_nodes().front(), n);
  dropout(x.dtype(), draw.position.seed, draw.position.seed2, draw.position.offset, draw.device,
          x.raw_data(), ctx.input(1).raw_data(), ctx.input(2).raw_data(), ctx.input(3).raw_data(),
          ctx.input(5).raw_data(), result.raw_data(), mask.raw_data(), n, stream_of(ctx));
}

}  // namespace

void register_random_kernels(KernelRegistry& registry) {
  // Any dtype, as on the CPU: attr T is the shape's index type; the output dtype (attr dtype) is
  // checked inside.
  const HostMemory shape_on_host{.inputs = {0}};
  registry.add("RandomUniform", DeviceType::kGPU, DType::kInvalid,
               random_kernel<RandomDistribution::kUniform>, shape_on_host);
  registry.add("RandomStandardNormal", DeviceType::kGPU, DType::kInvalid,
               random_kernel<RandomDistribution::kNormal>, shape_on_host);
  registry.add("TruncatedNormal", DeviceType::kGPU, DType::kInvalid,
               random_kernel<RandomDistribution::kTruncatedNormal>, shape_on_host);
  for (DType dtype : {DType::kFloat32, DType::kFloat64})
    registry.add(kFusedDropout, DeviceType::kGPU, dtype, dropout_kernel, shape_on_host);
}

}  // namespace varscope::cuda
