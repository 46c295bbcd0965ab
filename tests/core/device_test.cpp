#include "varscope/device.h"

#include <gtest/gtest.h>

#include <sstream>

#include "varscope/error.h"

namespace varscope {
namespace {

TEST(DeviceTest, ParsesShortForms) {
  const Device cpu = Device::parse("/cpu:0");
  EXPECT_EQ(cpu.type, DeviceType::kCPU);
  EXPECT_EQ(cpu.index, 0);
  EXPECT_FALSE(cpu.job);
  EXPECT_EQ(Device::parse("/gpu:1"), Device::gpu(1));
  EXPECT_EQ(Device::parse("/GPU:1"), Device::gpu(1));
  EXPECT_EQ(Device::parse("GPU:0"), Device::gpu(0));
  EXPECT_EQ(Device::parse("cpu:3"), Device::cpu(3));
}

TEST(DeviceTest, ParsesDeviceForms) {
  EXPECT_EQ(Device::parse("/device:GPU:0"), Device::gpu(0));
  EXPECT_EQ(Device::parse("/device:CPU:0"), Device::cpu(0));
  EXPECT_EQ(Device::parse("/device:gpu:2"), Device::gpu(2));
  const Device any_gpu = Device::parse("/device:GPU:*");
  EXPECT_EQ(any_gpu.type, DeviceType::kGPU);
  EXPECT_FALSE(any_gpu.index);
}

TEST(DeviceTest, ParsesJobsAndFullNames) {
  const Device moo = Device::parse("/job:moo");
  EXPECT_EQ(moo.job, "moo");
  EXPECT_FALSE(moo.type);
  EXPECT_FALSE(moo.index);
  EXPECT_EQ(moo.to_string(), "/job:moo");

  const Device full = Device::parse("/job:worker/replica:0/task:1/device:CPU:0");
  EXPECT_EQ(full.job, "worker");
  EXPECT_EQ(full.replica, 0);
  EXPECT_EQ(full.task, 1);
  EXPECT_EQ(full.type, DeviceType::kCPU);
  EXPECT_EQ(full.index, 0);
  EXPECT_EQ(full.to_string(), "/job:worker/replica:0/task:1/device:CPU:0");

  EXPECT_EQ(Device::parse("/job:ps/task:1/gpu:0").to_string(), "/job:ps/task:1/device:GPU:0");
}

TEST(DeviceTest, EmptySpec) {
  const Device d = Device::parse("");
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(d.to_string(), "");
  EXPECT_TRUE(Device::parse("/").empty());
  EXPECT_FALSE(Device::cpu().empty());
}

TEST(DeviceTest, CanonicalText) {
  EXPECT_EQ(Device::gpu(0).to_string(), "/device:GPU:0");
  EXPECT_EQ(Device::cpu(1).to_string(), "/device:CPU:1");
  EXPECT_EQ(canonical_device("/gpu:0"), "/device:GPU:0");
  EXPECT_EQ(canonical_device("/cpu:0"), "/device:CPU:0");
  EXPECT_EQ(canonical_device("GPU:1"), "/device:GPU:1");
  EXPECT_EQ(canonical_device("/device:GPU:*"), "/device:GPU:*");
  EXPECT_EQ(canonical_device(""), "");
  EXPECT_EQ(device_type_name(DeviceType::kGPU), "GPU");
  EXPECT_EQ(device_type_name(DeviceType::kCPU), "CPU");
  std::ostringstream os;
  os << Device::gpu(3);
  EXPECT_EQ(os.str(), "/device:GPU:3");
}

TEST(DeviceTest, MergedWithOverridesSetFields) {
  const Device outer = Device::parse("/job:worker/task:1/gpu:0");
  const Device merged = outer.merged_with(Device::parse("/cpu:0"));
  EXPECT_EQ(merged.to_string(), "/job:worker/task:1/device:CPU:0");
  EXPECT_EQ(Device::parse("/gpu:1").merged_with(Device::parse("/job:ps")).to_string(),
            "/job:ps/device:GPU:1");
  EXPECT_EQ(outer.merged_with(Device{}), outer);
}

void expect_malformed(std::string_view spec, const std::string& message) {
  try {
    Device::parse(spec);
    ADD_FAILURE() << "expected InvalidArgumentError for '" << spec << "'";
  } catch (const InvalidArgumentError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(DeviceTest, MalformedTextIsNamed) {
  expect_malformed(
      "/gpu:x",
      "Malformed device specification '/gpu:x': device index 'x' is not a non-negative integer");
  expect_malformed("/tpu:0", "Malformed device specification '/tpu:0': unknown attribute 'tpu:0'");
  expect_malformed("/device:TPU:0",
                   "Malformed device specification '/device:TPU:0': unknown device type 'TPU' "
                   "(expected CPU or GPU)");
  expect_malformed("/cpu:0/gpu:0",
                   "Malformed device specification '/cpu:0/gpu:0': more than one device type");
  expect_malformed("/job:a/job:b",
                   "Malformed device specification '/job:a/job:b': job is given twice");
  expect_malformed(
      "/task:-1",
      "Malformed device specification '/task:-1': task '-1' is not a non-negative integer");
  expect_malformed("/job:", "Malformed device specification '/job:': empty job name");
  EXPECT_THROW(Device::parse("/gpu:0:1"), InvalidArgumentError);
  EXPECT_THROW(canonical_device("nonsense"), InvalidArgumentError);
}

}  // namespace
}  // namespace varscope
