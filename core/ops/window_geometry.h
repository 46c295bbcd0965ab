// Window geometry shared by the shape functions and the kernels of Conv2D and the pools: TF's
// GetWindowedOutputSize for "SAME" / "VALID", so graph-time shapes and run-time shapes agree.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace varscope::window {

/// One spatial dimension of a windowed op: its output size and the padding before the input.
struct Dim {
  std::int64_t output = 0;
  std::int64_t pad_before = 0;
};

/// The effective size of a dilated window: (k - 1) * dilation + 1.
inline std::int64_t effective_size(std::int64_t window, std::int64_t dilation) {
  return (window - 1) * dilation + 1;
}

/// VALID: ceil((in - eff + 1) / stride) (negative when the window does not fit, as TF computes it);
/// SAME: ceil(in / stride), padded so the window is centred (the extra pixel goes after).
inline Dim output_dim(std::int64_t input, std::int64_t window, std::int64_t dilation,
                      std::int64_t stride, bool same) {
  const std::int64_t eff = effective_size(window, dilation);
  Dim d;
  if (same) {
    d.output = (input + stride - 1) / stride;
    const std::int64_t pad_needed =
        std::max<std::int64_t>(0, (d.output - 1) * stride + eff - input);
    d.pad_before = pad_needed / 2;
  } else {
    d.output = (input - eff + stride) / stride;
  }
  return d;
}

/// TF's text for a window that does not fit the input under VALID padding.
inline std::string negative_output_message(std::int64_t output, std::int64_t input,
                                           std::int64_t window, std::int64_t dilation,
                                           std::int64_t stride) {
  return "Computed output size would be negative: " + std::to_string(output) +
         " [input_size: " + std::to_string(input) +
         ", effective_filter_size: " + std::to_string(effective_size(window, dilation)) +
         ", stride: " + std::to_string(stride) + "]";
}

}  // namespace varscope::window
