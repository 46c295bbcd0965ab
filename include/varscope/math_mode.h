// Process-wide numeric modes of the GPU kernels.
#pragma once

namespace varscope {

/// Whether float32 matmuls and convolutions on the GPU may use TF32 tensor cores (inputs rounded to
/// a 10-bit mantissa: about 1e-3 relative error, several times the throughput). Off by default, as
/// torch.backends.cuda.matmul.allow_tf32 is; process-wide and thread-safe. CPU kernels ignore it.
void set_allow_tf32(bool allow) noexcept;
bool allow_tf32() noexcept;

}  // namespace varscope
