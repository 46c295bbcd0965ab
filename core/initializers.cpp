// The stock initializers (TF1's init_ops): each builds its value in the graph under the name
// scope it is called in ("<variable>/Initializer/").
#include "varscope/initializers.h"

#include <cmath>

#include "varscope/error.h"
#include "varscope/ops.h"
#include "varscope/variable.h"

namespace varscope {

DType Initializer::constant_dtype() const {
  if (kind_ == Kind::kTensor) return tensor_.dtype();
  if (kind_ == Kind::kValue) return value_.dtype();
  return DType::kInvalid;
}

Shape Initializer::constant_shape() const {
  if (kind_ == Kind::kTensor) return tensor_.shape();
  if (kind_ == Kind::kValue) return value_.shape();
  return Shape::unknown();
}

namespace {

void assert_float_dtype(DType dtype) {
  if (!is_floating(dtype)) throw ValueError("Expected floating point type, got " + std::string(dtype_name(dtype)) + ".");
}

}  // namespace

Initializer zeros_initializer() {
  return Initializer::ShapeFn([](const Shape& shape, DType dtype, const PartitionInfo*) { return zeros(shape, dtype); });
}

Initializer ones_initializer() {
  return Initializer::ShapeFn([](const Shape& shape, DType dtype, const PartitionInfo*) { return ones(shape, dtype); });
}

Initializer constant_initializer(double value) {
  return Initializer::ShapeFn([value](const Shape& shape, DType dtype, const PartitionInfo*) {
    return constant(Tensor::filled(dtype, shape, value));
  });
}

Initializer constant_initializer(const Tensor& values) {
  if (!values.defined() || values.num_elements() == 0) {
    throw ValueError("constant_initializer: at least one value is required");
  }
  Tensor source = values.cast(DType::kFloat64);
  return Initializer::ShapeFn([source](const Shape& shape, DType dtype, const PartitionInfo*) {
    const std::int64_t needed = shape.num_elements();
    const std::int64_t given = source.num_elements();
    if (given > needed) {
      throw ValueError("Too many elements provided. Needed at most " + std::to_string(needed) + ", but received " +
                       std::to_string(given));
    }
    // TF1: when fewer values are given, the last one fills the rest.
    Tensor full(DType::kFloat64, shape);
    const double* in = source.data<double>();
    double* out = full.data<double>();
    for (std::int64_t i = 0; i < needed; ++i) out[i] = in[std::min(i, given - 1)];
    return constant(full.cast(dtype));
  });
}

Initializer random_uniform_initializer(RandomUniformOptions o) {
  return Initializer::ShapeFn([o](const Shape& shape, DType dtype, const PartitionInfo*) {
    return random_uniform(shape, dtype, o.minval, o.maxval, o.seed);
  });
}

Initializer random_normal_initializer(RandomNormalOptions o) {
  return Initializer::ShapeFn([o](const Shape& shape, DType dtype, const PartitionInfo*) {
    assert_float_dtype(dtype);
    return random_normal(shape, dtype, o.mean, o.stddev, o.seed);
  });
}

Initializer truncated_normal_initializer(RandomNormalOptions o) {
  return Initializer::ShapeFn([o](const Shape& shape, DType dtype, const PartitionInfo*) {
    assert_float_dtype(dtype);
    return truncated_normal(shape, dtype, o.mean, o.stddev, o.seed);
  });
}

Initializer variance_scaling_initializer(VarianceScalingOptions o) {
  if (!(o.scale > 0.0)) throw ValueError("`scale` must be positive float.");
  return Initializer::ShapeFn([o](const Shape& shape, DType dtype, const PartitionInfo* partition_info) {
    assert_float_dtype(dtype);
    // Fans of the whole variable, also for a shard (TF's VarianceScaling uses full_shape).
    std::vector<std::int64_t> dims = partition_info ? partition_info->full_shape : shape.dims();
    double fan_in = 1, fan_out = 1;
    if (dims.size() == 1) {
      fan_in = fan_out = static_cast<double>(dims[0]);
    } else if (dims.size() == 2) {
      fan_in = static_cast<double>(dims[0]);
      fan_out = static_cast<double>(dims[1]);
    } else if (dims.size() > 2) {
      double receptive = 1;
      for (std::size_t i = 0; i + 2 < dims.size(); ++i) receptive *= static_cast<double>(dims[i]);
      fan_in = static_cast<double>(dims[dims.size() - 2]) * receptive;
      fan_out = static_cast<double>(dims.back()) * receptive;
    }
    double n = o.mode == FanMode::kFanIn ? fan_in : o.mode == FanMode::kFanOut ? fan_out : (fan_in + fan_out) / 2.0;
    double scale = o.scale / std::max(1.0, n);
    switch (o.distribution) {
      case Distribution::kTruncatedNormal:
        // 0.879... is the stddev of a standard normal truncated to [-2, 2].
        return truncated_normal(shape, dtype, 0.0, std::sqrt(scale) / 0.87962566103423978, o.seed);
      case Distribution::kUntruncatedNormal:
        return random_normal(shape, dtype, 0.0, std::sqrt(scale), o.seed);
      case Distribution::kUniform: {
        double limit = std::sqrt(3.0 * scale);
        return random_uniform(shape, dtype, -limit, limit, o.seed);
      }
    }
    throw InternalError("variance_scaling_initializer: unknown distribution");
  });
}

Initializer glorot_uniform_initializer(std::optional<std::int64_t> seed) {
  return variance_scaling_initializer({1.0, FanMode::kFanAvg, Distribution::kUniform, seed});
}
Initializer glorot_normal_initializer(std::optional<std::int64_t> seed) {
  return variance_scaling_initializer({1.0, FanMode::kFanAvg, Distribution::kTruncatedNormal, seed});
}
Initializer he_normal_initializer(std::optional<std::int64_t> seed) {
  return variance_scaling_initializer({2.0, FanMode::kFanIn, Distribution::kTruncatedNormal, seed});
}
Initializer he_uniform_initializer(std::optional<std::int64_t> seed) {
  return variance_scaling_initializer({2.0, FanMode::kFanIn, Distribution::kUniform, seed});
}
Initializer lecun_normal_initializer(std::optional<std::int64_t> seed) {
  return variance_scaling_initializer({1.0, FanMode::kFanIn, Distribution::kTruncatedNormal, seed});
}
Initializer lecun_uniform_initializer(std::optional<std::int64_t> seed) {
  return variance_scaling_initializer({1.0, FanMode::kFanIn, Distribution::kUniform, seed});
}

}  // namespace varscope
