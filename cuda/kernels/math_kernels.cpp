// The CUDA element-wise math kernels' host side: Add, Sub, Mul, Maximum, RealDiv, FloorMod, Equal,
// GreaterEqual (NumPy broadcasting), AddN, Select, Abs, Square, Neg, Sign, Sqrt, SqrtGrad and
// Range. Shapes are checked with the messages of cpu/kernels/math_kernels.cpp; equal layouts and
// one-element operands take the flat kernels, other broadcasts a strided kernel over the collapsed
// output shape.
//
// int32 binary ops, AddN and Range are shape arithmetic in gradient graphs (TF keeps int32 in host
// memory on GPUs): their nodes run the CPU kernels on the host.
#include "cuda/kernels/math_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "core/kernel_args.h"
#include "cuda/kernels/kernel_lists.h"
#include "cuda/kernels/kernel_support.h"

namespace varscope::cuda {
namespace {

// The broadcast output shape; fails with the same text as shape inference and the CPU kernel.
std::vector<std::int64_t> broadcast_dims(const KernelContext& ctx, const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  std::vector<std::int64_t> dims(static_cast<std::size_t>(rank));
  for (int k = 1; k <= rank; ++k) {
    const std::int64_t da = k <= a.rank() ? a.dim(-k) : 1;
    const std::int64_t db = k <= b.rank() ? b.dim(-k) : 1;
    if (da != db && da != 1 && db != 1) {
      ctx.fail("incompatible shapes " + a.to_string() + " and " + b.to_string());
    }
    dims[static_cast<std::size_t>(rank - k)] = da == 1 ? db : da;
  }
  return dims;
}

// Strides of `s` seen from an output of rank `rank`: 0 along broadcast dimensions.
std::vector<std::int64_t> broadcast_strides(const Shape& s, int rank) {
  const std::vector<std::int64_t> own = row_major_strides(s.dims());
  std::vector<std::int64_t> strides(static_cast<std::size_t>(rank), 0);
  const int offset = rank - s.rank();
  for (int d = 0; d < s.rank(); ++d) {
    if (s.dim(d) != 1) {
      strides[static_cast<std::size_t>(d + offset)] = own[static_cast<std::size_t>(d)];
    }
  }
  return strides;
}

// Integer FloorMod by zero cannot fail here as on the CPU (the divisors are on the device): such
// elements are 0; see binary_flat.
template <BinaryOp kOp>
void binary_kernel(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  const std::vector<std::int64_t> dims = broadcast_dims(ctx, a.shape(), b.shape());
  Tensor& out = ctx.allocate_output(0, Shape(dims));
  const std::int64_t n = out.num_elements();
  if (n == 0) return;
  const std::int64_t na = a.num_elements(), nb = b.num_elements();
  if ((na == n || na == 1) && (nb == n || nb == 1)) {
    // Same layout (equal up to 1s) or a one-element operand.
    binary_flat(kOp, a.dtype(), a.raw_data(), na != n, b.raw_data(), nb != n, out.raw_data(), n,
                stream_of(ctx));
    return;
  }
  const int rank = static_cast<int>(dims.size());
  StridedLayout layout;
  if (!collapse_layout(dims, broadcast_strides(a.shape(), rank), broadcast_strides(b.shape(), rank),
                       layout)) {
    ctx.fail("broadcasting " + a.shape().to_string() + " and " + b.shape().to_string() +
             " needs more than " + std::to_string(kMaxLaunchDims) +
             " dimensions, the most a GPU kernel handles");
  }
  binary_strided(kOp, a.dtype(), a.raw_data(), b.raw_data(), out.raw_data(), layout,
                 stream_of(ctx));
}

void add_n_kernel(KernelContext& ctx) {
  const Tensor& first = ctx.input(0);
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (ctx.input(i).shape() != first.shape()) {
      ctx.fail("incompatible shapes " + first.shape().to_string() + " and " +
               ctx.input(i).shape().to_string());
    }
  }
  Tensor& out = ctx.allocate_output(0, first.shape());
  std::vector<const void*> inputs;
  for (int i = 0; i < ctx.num_inputs(); ++i) inputs.push_back(ctx.input(i).raw_data());
  add_n(first.dtype(), inputs, out.raw_data(), out.num_elements(), stream_of(ctx));
}

template <UnaryOp kOp>
void unary_kernel(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  Tensor& out = ctx.allocate_output(0, in.shape());
  unary(kOp, in.dtype(), in.raw_data(), out.raw_data(), in.num_elements(), stream_of(ctx));
}

void sqrt_grad_kernel(KernelContext& ctx) {
  const Tensor& y = ctx.input(0);
  const Tensor& dy = ctx.input(1);
  if (y.shape() != dy.shape()) {
    ctx.fail("y and dy must have the same shape, got " + y.shape().to_string() + " and " +
             dy.shape().to_string());
  }
  Tensor& out = ctx.allocate_output(0, y.shape());
  binary_flat(BinaryOp::kSqrtGrad, y.dtype(), y.raw_data(), false, dy.raw_data(), false,
              out.raw_data(), y.num_elements(), stream_of(ctx));
}

// Select(condition, t, e): condition is a scalar, one entry per row of t, or t's shape.
void select_kernel(KernelContext& ctx) {
  const Shape& c = ctx.input(0).shape();
  const Shape& t = ctx.input(1).shape();
  const Shape& e = ctx.input(2).shape();
  if (t != e) {
    ctx.fail("t and e must have the same shape, got " + t.to_string() + " and " + e.to_string());
  }
  const bool rows = c.rank() == 1 && t.rank() >= 1 && c.dim(0) == t.dim(0);
  if (c.rank() != 0 && c != t && !rows) {
    ctx.fail("condition of shape " + c.to_string() +
             " must be a scalar, a vector matching the first dimension of " + t.to_string() +
             ", or have that shape");
  }
  Tensor& out = ctx.allocate_output(0, t);
  const std::int64_t n = out.num_elements();
  if (n == 0) return;
  const std::int64_t condition_stride = c.rank() == 0 ? n : c == t ? 1 : n / t.dim(0);
  select_elements(static_cast<const bool*>(ctx.input(0).raw_data()), ctx.input(1).raw_data(),
                  ctx.input(2).raw_data(), out.raw_data(), dtype_size(ctx.input(1).dtype()), n,
                  condition_stride, stream_of(ctx));
}

// Range(start, limit, delta) with the scalars in host memory: start + i * delta while before limit.
template <class T>
void range_kernel(KernelContext& ctx) {
  for (int i = 0; i < 3; ++i) {
    if (ctx.input(i).num_elements() != 1) {
      ctx.fail(std::string(i == 0   ? "start"
                           : i == 1 ? "limit"
                                    : "delta") +
               " must be a scalar, got shape " + ctx.input(i).shape().to_string());
    }
  }
  const T start = static_cast<const T*>(ctx.input(0).raw_data())[0];
  const T limit = static_cast<const T*>(ctx.input(1).raw_data())[0];
  const T delta = static_cast<const T*>(ctx.input(2).raw_data())[0];
  if (delta == 0) ctx.fail("delta must not be 0");
  if ((delta > 0 && start > limit) || (delta < 0 && start < limit)) {
    ctx.fail("start " + std::to_string(start) + " and limit " + std::to_string(limit) +
             " are in the wrong order for delta " + std::to_string(delta));
  }
  const auto size =
      static_cast<std::int64_t>(std::ceil(std::abs((static_cast<double>(limit) - start) / delta)));
  Tensor& out = ctx.allocate_output(0, Shape{size});
  range(out.dtype(), start, delta, out.raw_data(), size, stream_of(ctx));
}

}  // namespace

void register_math_kernels(KernelRegistry& registry) {
  constexpr DeviceType kGPU = DeviceType::kGPU;
  for (DType dtype :
       {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16, DType::kInt64}) {
    registry.add("Add", kGPU, dtype, binary_kernel<BinaryOp::kAdd>);
    registry.add("Sub", kGPU, dtype, binary_kernel<BinaryOp::kSub>);
    registry.add("Mul", kGPU, dtype, binary_kernel<BinaryOp::kMul>);
    registry.add("Maximum", kGPU, dtype, binary_kernel<BinaryOp::kMaximum>);
    registry.add("FloorMod", kGPU, dtype, binary_kernel<BinaryOp::kFloorMod>);
    registry.add("Equal", kGPU, dtype, binary_kernel<BinaryOp::kEqual>);
    registry.add("GreaterEqual", kGPU, dtype, binary_kernel<BinaryOp::kGreaterEqual>);
    registry.add("AddN", kGPU, dtype, add_n_kernel);
    if (is_floating(dtype)) {
      registry.add("RealDiv", kGPU, dtype, binary_kernel<BinaryOp::kRealDiv>);
      registry.add("Sqrt", kGPU, dtype, unary_kernel<UnaryOp::kSqrt>);
      registry.add("SqrtGrad", kGPU, dtype, sqrt_grad_kernel);
    }
  }
  // int32 binary ops and AddN: shape arithmetic, run on the host. (The CPU has no int32 RealDiv.)
  for (const char* op :
       {"Add", "Sub", "Mul", "Maximum", "FloorMod", "Equal", "GreaterEqual", "AddN"}) {
    registry.add_on_host(op, kGPU, DType::kInt32);
  }
  for (DType dtype : {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16,
                      DType::kInt32, DType::kInt64}) {
    registry.add("Abs", kGPU, dtype, unary_kernel<UnaryOp::kAbs>);
    registry.add("Square", kGPU, dtype, unary_kernel<UnaryOp::kSquare>);
    registry.add("Neg", kGPU, dtype, unary_kernel<UnaryOp::kNeg>);
    registry.add("Sign", kGPU, dtype, unary_kernel<UnaryOp::kSign>);
  }
  registry.add("Equal", kGPU, DType::kBool, binary_kernel<BinaryOp::kEqual>);
  // Select moves elements unchanged: one kernel (per element size) for every dtype.
  registry.add("Select", kGPU, DType::kInvalid, select_kernel);
  registry.add("Range", kGPU, DType::kFloat32, range_kernel<float>,
               HostMemory{.inputs = {0, 1, 2}});
  registry.add("Range", kGPU, DType::kFloat64, range_kernel<double>,
               HostMemory{.inputs = {0, 1, 2}});
  registry.add_on_host("Range", kGPU, DType::kInt32);
  registry.add_on_host("Range", kGPU, DType::kInt64);
}

}  // namespace varscope::cuda
