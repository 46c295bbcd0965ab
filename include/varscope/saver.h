// Checkpoints: saving variables to safetensors files and restoring them, under the same names or
// into a new model through a name map (tf.train.Saver, TF1).
//
//   vs::train::Saver saver;                       // every global variable
//   saver.save(sess, "ckpt/model", 1000);         // ckpt/model-1000.safetensors, ckpt/checkpoint
//   saver.restore(sess, *vs::train::latest_checkpoint("ckpt"));
//
//   // Transfer learning: the pretrained convolutions become new_model's.
//   vs::train::Saver transfer({{"pretrained/conv1/kernel", new_conv1_kernel}, ...});
//   auto report = transfer.restore(sess, path, {.strict = false});  // reports the other keys
//
// A checkpoint key is a variable's op name ("cnn/conv1/kernel", no ":0"). A partitioned variable
// is saved under its full name as one tensor (its shards concatenated) and restores into any
// partitioning of the same full shape. Files are written to a temporary file and renamed, so a
// crash or kill during save never damages an earlier checkpoint.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "varscope/graph.h"
#include "varscope/session.h"
#include "varscope/variable.h"
#include "varscope/variable_scope.h"

namespace varscope::train {

/// What one checkpoint key holds: a variable, or all the shards of a partitioned variable.
class Saveable {
 public:
  Saveable(Variable variable) : value_(std::move(variable)) {}
  Saveable(PartitionedVariable variable) : value_(std::move(variable)) {}
  /// What get_variable returned; ValueError when a custom getter returned a plain tensor.
  Saveable(const GetVariableResult& result);
  const std::variant<Variable, PartitionedVariable>& value() const { return value_; }

 private:
  std::variant<Variable, PartitionedVariable> value_;
};

struct SaverOptions {
  /// Checkpoints kept on disk: saving one more deletes the oldest. 0 keeps all (TF's None).
  int max_to_keep = 5;
  /// The state file beside the checkpoints naming the latest (TF's latest_filename).
  std::string latest_filename = "checkpoint";
};

struct RestoreOptions {
  /// true: any missing, unexpected or mismatched key is an error and nothing is restored.
  /// false: the keys that match are restored and the rest is reported.
  bool strict = true;
};

/// What a restore did.
struct RestoreReport {
  /// Keys restored.
  std::vector<std::string> restored{};
  /// The saver's keys the checkpoint lacks.
  std::vector<std::string> missing{};
  /// The checkpoint's keys the saver does not have.
  std::vector<std::string> unexpected{};
  /// Keys in both whose dtype or shape differ: "cnn/dense/kernel: checkpoint float32 [3136, 1024],
  /// variable float32 [3136, 512]".
  std::vector<std::string> mismatched{};

  /// Nothing missing, unexpected or mismatched.
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  /// One line per group: "restored 4 keys; missing: ...; unexpected: ...".
  std::string to_string() const;
};

/// Saves and restores a fixed set of variables (tf.train.Saver).
class Saver {
 public:
  /// Every variable of `graph`'s GLOBAL_VARIABLES collection, shards grouped under their
  /// partitioned variable's name. Throws ValueError when there are none ("No variables to save").
  explicit Saver(SaverOptions options = {}, Graph& graph = get_default_graph());
  /// The variables of `var_list`, each under its op name; shards of a partitioned variable are
  /// grouped under its full name, so all of them must be listed. Throws ValueError for a variable
  /// listed twice or two variables of one name.
  explicit Saver(const std::vector<Saveable>& var_list, SaverOptions options = {});
  /// Checkpoint key -> variable. Throws ValueError when a variable appears under two keys.
  explicit Saver(const std::map<std::string, Saveable>& name_map, SaverOptions options = {});
  ~Saver();
  Saver(const Saver&) = delete;
  Saver& operator=(const Saver&) = delete;

  /// Writes the values `sess` holds to "<save_path>.safetensors" (a trailing ".safetensors" in
  /// `save_path` is kept once), or "<save_path>-<global_step>.safetensors" with a step, then
  /// updates the state file in its directory and deletes checkpoints beyond max_to_keep. Returns
  /// the file's path. Throws FailedPreconditionError naming an uninitialized variable, and
  /// NotFoundError/InvalidArgumentError naming the path when it cannot be written; an existing file
  /// at that path is then left as it was.
  std::string save(Session& sess, const std::string& save_path);
  std::string save(Session& sess, const std::string& save_path, std::int64_t global_step);
  /// The step is read from `global_step` in `sess`.
  std::string save(Session& sess, const std::string& save_path, const Variable& global_step);

  /// Restores from `path` (a file Saver wrote, or the same path without ".safetensors"). Every
  /// key's dtype and shape is checked and the file read before any variable changes. Strict (the
  /// default): throws NotFoundError listing every missing and unexpected key, or
  /// InvalidArgumentError when some key's dtype or shape differs, and changes nothing. Throws
  /// DataLossError for a truncated or corrupt file.
  RestoreReport restore(Session& sess, const std::string& path, RestoreOptions options = {});

  /// The checkpoint keys this saver writes, sorted.
  std::vector<std::string> keys() const;
  /// Paths of the checkpoints this saver keeps, oldest first.
  std::vector<std::string> last_checkpoints() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The path of the latest checkpoint named by `checkpoint_dir`'s state file, or nullopt when there
/// is no state file or the file it names no longer exists (tf.train.latest_checkpoint).
std::optional<std::string> latest_checkpoint(const std::string& checkpoint_dir,
                                             const std::string& latest_filename = "checkpoint");

}  // namespace varscope::train
