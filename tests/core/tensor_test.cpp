#include "varscope/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/backend.h"
#include "core/tensor_buffer.h"
#include "expect_error.h"

namespace varscope {
namespace {

TEST(TensorTest, DefaultIsUndefined) {
  Tensor t;
  EXPECT_FALSE(t.defined());
  EXPECT_EQ(t.dtype(), DType::kInvalid);
  EXPECT_EQ(t.raw_data(), nullptr);
  EXPECT_TRUE(t.device().empty());
  EXPECT_EQ(t.debug_string(), "Tensor<undefined>");
}

TEST(TensorTest, Scalars) {
  const Tensor i = Tensor::scalar(4);
  EXPECT_EQ(i.dtype(), int32);
  EXPECT_EQ(i.shape(), Shape());
  EXPECT_EQ(i.num_elements(), 1);
  EXPECT_EQ(i.nbytes(), 4u);
  EXPECT_EQ(i.item<std::int32_t>(), 4);
  EXPECT_EQ(Tensor::scalar(0.5f).dtype(), float32);
  EXPECT_EQ(Tensor::scalar(0.5).dtype(), float64);
  EXPECT_EQ(Tensor::scalar(true).item<bool>(), true);
  EXPECT_EQ(Tensor::scalar(0.5f).item<double>(), 0.5);
  EXPECT_EQ(Tensor::scalar(7).item<float>(), 7.0f);
  EXPECT_EQ(i.device(), Device::cpu(0));
}

TEST(TensorTest, FromVector) {
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(t.dtype(), float32);
  EXPECT_EQ(t.shape(), Shape({2, 3}));
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(t.data<float>()[4], 5.0f);
  const Tensor v = Tensor::from_vector<std::int64_t>({7, -8});
  EXPECT_EQ(v.shape(), Shape({2}));
  EXPECT_EQ(v.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, -8}));
  const Tensor b = Tensor::from_vector<bool>({true, false, true});
  EXPECT_EQ(b.to_vector<std::int32_t>(), (std::vector<std::int32_t>{1, 0, 1}));
}

TEST(TensorTest, FromVectorSizeMismatch) {
  VS_EXPECT_ERROR(Tensor::from_vector<float>({1, 2, 3}, Shape{2, 2}), InvalidArgumentError,
                  "Tensor::from_vector: 3 values do not fill shape (2, 2)");
}

TEST(TensorTest, ConstructorRejectsPartialShapesAndInvalidDType) {
  VS_EXPECT_ERROR(Tensor(float32, Shape{-1, 3}), InvalidArgumentError,
                  "Tensor: shape (?, 3) is not fully defined");
  EXPECT_THROW(Tensor(float32, Shape::unknown()), InvalidArgumentError);
  VS_EXPECT_ERROR(Tensor(DType::kInvalid, Shape{2}), InvalidArgumentError,
                  "Tensor: dtype 'invalid' cannot hold values");
}

TEST(TensorTest, WrongTypedAccessNamesBothDTypes) {
  const Tensor t = Tensor::from_vector<std::int32_t>({1, 2});
  VS_EXPECT_ERROR(t.data<float>(), InvalidArgumentError,
                  "Tensor: cannot access Tensor<int32 (2,)> as float32 (it holds int32)");
  EXPECT_THROW(Tensor().data<float>(), InvalidArgumentError);
}

TEST(TensorTest, ItemNeedsOneElement) {
  VS_EXPECT_ERROR(Tensor::zeros(float32, Shape{2, 3}).item<float>(), InvalidArgumentError,
                  "Tensor::item: Tensor<float32 (2, 3)> has 6 elements, not 1");
  EXPECT_EQ(Tensor::filled(int64, Shape{1, 1}, 9).item<std::int64_t>(), 9);
}

TEST(TensorTest, FilledConvertsTheValue) {
  EXPECT_EQ(Tensor::filled(int32, Shape{3}, 2.9).to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{2, 2, 2}));
  EXPECT_EQ(Tensor::filled(bool_, Shape{2}, 0.5).to_vector<bool>(),
            (std::vector<bool>{true, true}));
  EXPECT_EQ(Tensor::zeros(float64, Shape{2, 2}).to_vector<double>(), (std::vector<double>(4, 0.0)));
  EXPECT_EQ(Tensor::filled(float16, Shape{2}, 1.5).to_vector<float>(),
            (std::vector<float>{1.5f, 1.5f}));
  EXPECT_EQ(Tensor::filled(uint8, Shape{}, 255).item<std::int32_t>(), 255);
  const Tensor empty = Tensor::zeros(float32, Shape{0, 3});
  EXPECT_TRUE(empty.defined());
  EXPECT_EQ(empty.num_elements(), 0);
  EXPECT_TRUE(empty.to_vector<float>().empty());
}

TEST(TensorTest, CastBetweenNumericTypes) {
  const Tensor f = Tensor::from_vector<float>({-1.75f, 0.0f, 2.5f, 100.0f});
  EXPECT_EQ(f.cast(int32).to_vector<std::int32_t>(), (std::vector<std::int32_t>{-1, 0, 2, 100}));
  EXPECT_EQ(f.cast(float64).to_vector<double>(), (std::vector<double>{-1.75, 0.0, 2.5, 100.0}));
  EXPECT_EQ(f.cast(bool_).to_vector<bool>(), (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(f.cast(uint8).to_vector<std::int32_t>(), (std::vector<std::int32_t>{255, 0, 2, 100}));
  const Tensor big = Tensor::from_vector<std::int64_t>({std::int64_t{1} << 40, -3});
  EXPECT_EQ(big.cast(float64).to_vector<double>(), (std::vector<double>{1099511627776.0, -3.0}));
  EXPECT_EQ(big.cast(int64).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{std::int64_t{1} << 40, -3}));
  const Tensor odd = Tensor::from_vector<double>({std::nan(""), 1e300, -1e300, 300.7});
  EXPECT_EQ(odd.cast(int64).to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{0, std::numeric_limits<std::int64_t>::max(),
                                       std::numeric_limits<std::int64_t>::min(), 300}));
  EXPECT_EQ(odd.cast(uint8).to_vector<std::int32_t>(), (std::vector<std::int32_t>{0, 255, 0, 44}));
  const Tensor b = Tensor::from_vector<bool>({true, false});
  EXPECT_EQ(b.cast(float32).to_vector<float>(), (std::vector<float>{1.0f, 0.0f}));
  EXPECT_EQ(b.cast(int16).to_vector<std::int16_t>(), (std::vector<std::int16_t>{1, 0}));
}

TEST(TensorTest, CastToSameDTypeSharesStorage) {
  const Tensor f = Tensor::from_vector<float>({1, 2});
  EXPECT_TRUE(f.cast(float32).shares_buffer_with(f));
  EXPECT_FALSE(f.cast(float64).shares_buffer_with(f));
}

TEST(TensorTest, Float16RoundTrips) {
  // Exactly representable in float16: survive the round trip unchanged.
  const std::vector<float> exact = {0.0f, 1.0f, -2.5f, 0.099975586f, 65504.0f, 6.1035156e-05f};
  const Tensor h = Tensor::from_vector(exact).cast(float16);
  EXPECT_EQ(h.dtype(), float16);
  EXPECT_EQ(h.nbytes(), exact.size() * 2);
  EXPECT_EQ(h.to_vector<float>(), exact);
  // Rounded to nearest: 0.1 -> 0.0999755859375; beyond the range -> inf.
  const Tensor r = Tensor::from_vector<double>({0.1, 1e6}).cast(float16);
  EXPECT_EQ(r.to_vector<double>()[0], 0.0999755859375);
  EXPECT_TRUE(std::isinf(r.to_vector<float>()[1]));
  // float16 bits of 1.0 are 0x3C00.
  std::uint16_t bits = 0;
  std::memcpy(&bits, Tensor::scalar(1.0f).cast(float16).raw_data(), 2);
  EXPECT_EQ(bits, 0x3C00);
  EXPECT_EQ(Tensor::scalar(3).cast(float16).cast(int64).item<std::int64_t>(), 3);
}

TEST(TensorTest, BFloat16RoundTrips) {
  const Tensor b =
      Tensor::from_vector(std::vector<float>{0.0f, 1.0f, -3.0f, 0.5f, 256.0f}).cast(bfloat16);
  EXPECT_EQ(b.to_vector<float>(), (std::vector<float>{0.0f, 1.0f, -3.0f, 0.5f, 256.0f}));
  // bfloat16 keeps 8 significant bits: 1 + 2^-9 rounds to 1; 257 rounds to 256.
  const Tensor r = Tensor::from_vector<float>({1.0f + 1.0f / 512.0f, 257.0f}).cast(bfloat16);
  EXPECT_EQ(r.to_vector<float>(), (std::vector<float>{1.0f, 256.0f}));
  std::uint16_t bits = 0;
  std::memcpy(&bits, Tensor::scalar(1.0f).cast(bfloat16).raw_data(), 2);
  EXPECT_EQ(bits, 0x3F80);
  // float16 <-> bfloat16 goes through float.
  EXPECT_EQ(Tensor::scalar(2.5f).cast(float16).cast(bfloat16).item<float>(), 2.5f);
  EXPECT_EQ(Tensor::scalar(-4.0f).cast(bfloat16).cast(bool_).item<bool>(), true);
}

TEST(TensorTest, ComplexStorage) {
  Tensor c(complex64, Shape{2});
  auto* p = static_cast<std::complex<float>*>(c.raw_data());
  p[0] = {1.5f, 2.0f};
  p[1] = {-3.0f, -0.5f};
  EXPECT_EQ(c.nbytes(), 16u);
  EXPECT_EQ(c.to_vector<float>(), (std::vector<float>{1.5f, -3.0f}));  // real parts
  EXPECT_EQ(c.debug_string(), "Tensor<complex64 (2,)> [(1.5+2j), (-3-0.5j)]");
  const Tensor back = Tensor::from_vector<std::int32_t>({4}).cast(complex64);
  EXPECT_EQ(*static_cast<const std::complex<float>*>(back.raw_data()),
            std::complex<float>(4.0f, 0.0f));
}

TEST(TensorTest, CloneCopiesTheBytes) {
  Tensor a = Tensor::from_vector<float>({1, 2, 3});
  Tensor shared = a;
  Tensor copy = a.clone();
  EXPECT_TRUE(shared.shares_buffer_with(a));
  EXPECT_FALSE(copy.shares_buffer_with(a));
  a.data<float>()[0] = 10.0f;
  EXPECT_EQ(shared.to_vector<float>(), (std::vector<float>{10, 2, 3}));
  EXPECT_EQ(copy.to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_FALSE(Tensor().clone().defined());
}

TEST(TensorTest, ReshapedSharesStorage) {
  Tensor a = Tensor::from_vector<std::int32_t>({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  Tensor b = a.reshaped(Shape{3, 2});
  EXPECT_EQ(b.shape(), Shape({3, 2}));
  EXPECT_TRUE(b.shares_buffer_with(a));
  b.data<std::int32_t>()[5] = 60;
  EXPECT_EQ(a.to_vector<std::int32_t>().back(), 60);
  VS_EXPECT_ERROR(a.reshaped(Shape{4}), InvalidArgumentError,
                  "Cannot reshape a tensor with 6 elements to shape [4] (4 elements)");
  EXPECT_THROW(a.reshaped(Shape{-1, 3}), InvalidArgumentError);
}

TEST(TensorTest, DebugString) {
  EXPECT_EQ(Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, Shape{2, 3}).debug_string(),
            "Tensor<float32 (2, 3)> [1, 2, 3, 4, 5, 6]");
  EXPECT_EQ(Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}).debug_string(3),
            "Tensor<float32 (6,)> [1, 2, 3, ...]");
  EXPECT_EQ(Tensor::from_vector<std::uint8_t>({65, 0}).debug_string(),
            "Tensor<uint8 (2,)> [65, 0]");
  EXPECT_EQ(Tensor::from_vector<bool>({true, false}).debug_string(),
            "Tensor<bool (2,)> [true, false]");
  EXPECT_EQ(Tensor::scalar(0.25).debug_string(), "Tensor<float64 ()> [0.25]");
  EXPECT_EQ(Tensor::scalar(1.5f).cast(bfloat16).debug_string(), "Tensor<bfloat16 ()> [1.5]");
  EXPECT_EQ(Tensor::zeros(int32, Shape{0}).debug_string(), "Tensor<int32 (0,)> []");
  std::ostringstream os;
  os << Tensor::scalar(-7);
  EXPECT_EQ(os.str(), "Tensor<int32 ()> [-7]");
}

TEST(TensorTest, BuffersComeFromTheCpuAllocator) {
  Allocator& allocator = cpu_backend().allocator();
  const std::int64_t before = allocator.stats().current_bytes(MemoryCategory::kOther);
  {
    Tensor t(float64, Shape{10, 10});
    EXPECT_EQ(allocator.stats().current_bytes(MemoryCategory::kOther), before + 800);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64, 0u);
    Tensor view = t.reshaped(Shape{100});
    EXPECT_EQ(allocator.stats().current_bytes(MemoryCategory::kOther), before + 800);
  }
  EXPECT_EQ(allocator.stats().current_bytes(MemoryCategory::kOther), before);
  EXPECT_GE(allocator.stats().peak_bytes(MemoryCategory::kOther), before + 800);
}

TEST(TensorTest, OverAnExistingBuffer) {
  auto buffer = std::make_shared<TensorBuffer>(cpu_backend().allocator(), 24,
                                               MemoryCategory::kVariable, Device::cpu());
  Tensor t(float32, Shape{2, 3}, buffer);
  EXPECT_EQ(t.buffer(), buffer);
  EXPECT_EQ(t.raw_data(), buffer->data());
  EXPECT_EQ(t.device(), Device::cpu());
  VS_EXPECT_ERROR(Tensor(float64, Shape{2, 3}, buffer), InvalidArgumentError,
                  "Tensor: buffer of 24 bytes is too small for Tensor<float64 (2, 3)> (48 bytes)");
  EXPECT_THROW(Tensor(float32, Shape{1}, nullptr), InvalidArgumentError);
}

TEST(CpuAllocatorTest, AlignsAndCountsPerCategory) {
  std::unique_ptr<Backend> backend = make_cpu_backend();
  EXPECT_EQ(backend->device_type(), DeviceType::kCPU);
  Allocator& a = backend->allocator();
  void* p = a.allocate(100, MemoryCategory::kVariable, "w");
  void* q = a.allocate(0, MemoryCategory::kActivation);
  EXPECT_NE(p, nullptr);
  EXPECT_NE(q, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
  MemoryStats s = a.stats();
  EXPECT_EQ(s.current_bytes(MemoryCategory::kVariable), 100);
  EXPECT_EQ(s.current_bytes(MemoryCategory::kActivation), 0);
  EXPECT_EQ(s.total_current, 100);
  EXPECT_EQ(s.reserved, 128 + 64);
  a.deallocate(p, 100, MemoryCategory::kVariable);
  a.deallocate(q, 0, MemoryCategory::kActivation);
  s = a.stats();
  EXPECT_EQ(s.current_bytes(MemoryCategory::kVariable), 0);
  EXPECT_EQ(s.peak_bytes(MemoryCategory::kVariable), 100);
  EXPECT_EQ(s.total_current, 0);
  EXPECT_EQ(s.total_peak, 100);
  EXPECT_EQ(s.reserved, 0);
}

TEST(CpuAllocatorTest, OutOfMemoryNamesTheRequest) {
  std::unique_ptr<Backend> backend = make_cpu_backend();
  try {
    backend->allocator().allocate(std::numeric_limits<std::size_t>::max() - 8,
                                  MemoryCategory::kVariable, "big/w");
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    EXPECT_EQ(std::string(e.what()),
              "CPU allocator: out of memory allocating " +
                  std::to_string(std::numeric_limits<std::size_t>::max() - 8) +
                  " bytes for 'big/w' (Variable); 0 bytes allocated, 0 bytes reserved");
  }
  EXPECT_EQ(backend->allocator().stats().total_current, 0);
}

TEST(CpuAllocatorTest, Copies) {
  std::unique_ptr<Backend> backend = make_cpu_backend();
  const float src[3] = {1, 2, 3};
  float dst[3] = {};
  backend->copy_to_host(dst, src, sizeof(src));
  EXPECT_EQ(dst[2], 3.0f);
  float dst2[3] = {};
  backend->copy_from_host(dst2, dst, sizeof(dst));
  backend->copy_on_device(dst, dst2, 0);
  backend->synchronize();
  EXPECT_EQ(dst2[1], 2.0f);
}

}  // namespace
}  // namespace varscope
