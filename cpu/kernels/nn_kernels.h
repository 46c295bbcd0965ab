// Internal to the nn kernel files (cpu/kernels/{conv,pool,activation,softmax,nn}_kernels.cpp):
// their registration functions, called by register_nn_kernels, and the NHWC window attrs they
// share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cpu/kernels/kernel_util.h"

namespace varscope::cpu {

void register_conv_kernels(KernelRegistry& registry);
void register_pool_kernels(KernelRegistry& registry);
void register_activation_kernels(KernelRegistry& registry);
void register_softmax_kernels(KernelRegistry& registry);

/// A node's NHWC window attrs (validated by shape inference when the node was built).
struct WindowAttrs {
  std::vector<std::int64_t> strides{};
  std::vector<std::int64_t> dilations{};
  std::vector<std::int64_t> ksize{};
  bool same = false;
};

inline WindowAttrs window_attrs(const Node& node) {
  using Ints = std::vector<std::int64_t>;
  WindowAttrs a;
  a.strides = node.attr_as<Ints>("strides");
  a.dilations = node.has_attr("dilations") ? node.attr_as<Ints>("dilations") : Ints{1, 1, 1, 1};
  a.ksize = node.has_attr("ksize") ? node.attr_as<Ints>("ksize") : Ints{};
  a.same = node.attr_as<std::string>("padding") == "SAME";
  return a;
}

/// Fails unless `t` is rank 4, naming it: "input must be rank 4 (N, H, W, C), got shape (8, 28)".
inline void expect_rank4(const KernelContext& ctx, const Tensor& t, const char* what,
                         const char* layout) {
  if (t.shape().rank() != 4) {
    ctx.fail(std::string(what) + " must be rank 4 " + layout + ", got shape " +
             t.shape().to_string());
  }
}

}  // namespace varscope::cpu
