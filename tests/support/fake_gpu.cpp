#include "fake_gpu.h"

#include <utility>
#include <vector>

#include "core/common_kernels.h"

namespace varscope::testing {
namespace {

// The CPU backend under another device type: its own allocator (so its statistics are the GPU's)
// and memcpy copies.
class FakeGpuBackend final : public Backend {
 public:
  DeviceType device_type() const override { return DeviceType::kGPU; }
  std::string name() const override { return "stand-in GPU (host memory, CPU kernels)"; }
  Allocator& allocator() override { return host_->allocator(); }
  void synchronize() override {}
  void copy_to_host(void* dst, const void* src, std::size_t bytes) override { host_->copy_to_host(dst, src, bytes); }
  void copy_from_host(void* dst, const void* src, std::size_t bytes) override {
    host_->copy_from_host(dst, src, bytes);
  }
  void copy_on_device(void* dst, const void* src, std::size_t bytes) override {
    host_->copy_on_device(dst, src, bytes);
  }
  void fill_bytes(void* dst, unsigned char value, std::size_t bytes) override { host_->fill_bytes(dst, value, bytes); }
  void register_kernels(KernelRegistry&) override {}
  bool supports_capture() const override { return claims_capture; }

  bool claims_capture = false;

 private:
  std::unique_ptr<Backend> host_ = make_cpu_backend();
};

struct FakeGpuDevices {
  FakeGpuBackend gpu;
  std::shared_ptr<const DeviceSet> devices;
};

}  // namespace

std::shared_ptr<const DeviceSet> cpu_and_fake_gpu(const FakeGpuOptions& options) {
  auto registry = std::make_shared<KernelRegistry>();
  cpu_backend().register_kernels(*registry);
  auto owner = std::make_shared<FakeGpuDevices>();
  owner->gpu.claims_capture = options.claims_capture;
  if (options.gpu_kernels) {
    options.gpu_kernels(*registry);
    owner->devices = std::make_shared<const DeviceSet>(
        std::vector<Backend*>{&cpu_backend(), &owner->gpu}, registry,
        DeviceSetOptions{options.poison_activations});
    return std::shared_ptr<const DeviceSet>(owner, owner->devices.get());
  }
  // The device-agnostic kernels as a real GPU registers them (with HostMemory arguments); every
  // other CPU kernel as it is.
  KernelRegistry common;
  register_common_kernels(common, DeviceType::kGPU);
  common.for_each(DeviceType::kGPU, [&](const std::string& op, DType dtype, const KernelDef& def) {
    if (options.ops_without_kernel.contains(op)) return;
    if (def.on_host) {
      registry->add_on_host(op, DeviceType::kGPU, dtype);
    } else {
      registry->add(op, DeviceType::kGPU, dtype, def.fn, def.host_memory);
    }
  });
  registry->for_each(DeviceType::kCPU, [&](const std::string& op, DType dtype, const KernelDef& def) {
    if (options.ops_without_kernel.contains(op) || common.find(op, DeviceType::kGPU, dtype)) return;
    registry->add(op, DeviceType::kGPU, dtype, def.fn);
  });
  // The backend must outlive every tensor on it: the DeviceSet owns it through its deleter.
  owner->devices = std::make_shared<const DeviceSet>(std::vector<Backend*>{&cpu_backend(), &owner->gpu}, registry,
                                                      DeviceSetOptions{options.poison_activations});
  return std::shared_ptr<const DeviceSet>(owner, owner->devices.get());
}

std::shared_ptr<const DeviceSet> cpu_only(DeviceSetOptions options) {
  std::vector<Backend*> backends{&cpu_backend()};
  return std::make_shared<const DeviceSet>(
      std::move(backends), std::shared_ptr<const KernelRegistry>(&kernel_registry(), [](const KernelRegistry*) {}),
      options);
}

}  // namespace varscope::testing
