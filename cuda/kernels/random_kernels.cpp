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
StreamPosition reserve_stream(VariableValues& variables, const Node& node, std::int64_t num_outputs) {
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
  if (!cuda_backend_of(ctx).capturing()) {
    const StreamPosition position = reserve_stream(ctx.variables(), ctx.node(), n);
    fill_random(out.dtype(), D, position.seed, position.seed2, position.offset, nullptr,
                out.raw_data(), n, stream_of(ctx));
    return;
  }
  // Captured: the position goes through device memory that each replay uploads afresh, reserved
  // then, so replays draw new values exactly as eager runs would.
  Tensor position = ctx.allocate_temp(DType::kInt64, Shape{3});
  ctx.backend().upload_each_run(
      position.raw_data(), 3 * sizeof(std::uint64_t),
      [&variables = ctx.variables(), &node = ctx.node(), n](void* host) {
        const StreamPosition p = reserve_stream(variables, node, n);
        auto* words = static_cast<std::uint64_t*>(host);
        words[0] = p.seed;
        words[1] = p.seed2;
        words[2] = p.offset;
      });
  fill_random(out.dtype(), D, 0, 0, 0, static_cast<const std::uint64_t*>(position.raw_data()),
              out.raw_data(), n, stream_of(ctx));
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
}

}  // namespace varscope::cuda
