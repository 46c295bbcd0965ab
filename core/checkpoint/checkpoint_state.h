// The "checkpoint" file beside the checkpoints of a directory, naming the latest (TF's
// CheckpointState, in protobuf text format):
//
//   model_checkpoint_path: "model-200.safetensors"
//   all_model_checkpoint_paths: "model-100.safetensors"
//   all_model_checkpoint_paths: "model-200.safetensors"
//
// Paths are written relative to the directory when the checkpoints are in it, so the directory
// can be moved.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace varscope::checkpoint {

struct CheckpointState {
  std::string model_checkpoint_path{};
  std::vector<std::string> all_model_checkpoint_paths{};  // oldest first
};

/// The state in `dir`/`filename`, with paths as written; nullopt when the file does not exist.
/// Throws DataLossError naming the file and line when it cannot be parsed.
std::optional<CheckpointState> read_checkpoint_state(const std::string& dir,
                                                     const std::string& filename);
/// Replaces `dir`/`filename` atomically.
void write_checkpoint_state(const std::string& dir, const std::string& filename,
                            const CheckpointState& state);

}  // namespace varscope::checkpoint
