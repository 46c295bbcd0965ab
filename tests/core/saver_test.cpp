// Saver: save/restore round trips, the checkpoint state file and max_to_keep, name maps for
// transfer learning, strict and non-strict restores, partitioned variables, and bad input that must
// change nothing.
#include "varscope/saver.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "expect_error.h"
#include "scratch_dir.h"
#include "varscope/checkpoint_reader.h"
#include "varscope/collections.h"
#include "varscope/error.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace varscope {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using train::CheckpointReader;
using train::RestoreReport;
using train::Saver;
using train::SaverOptions;

Tensor iota(Shape shape, float start, float step = 1.f) {
  Tensor t(DType::kFloat32, std::move(shape));
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.num_elements(); ++i) p[i] = start + step * static_cast<float>(i);
  return t;
}

std::vector<float> values(Session& sess, const Variable& v) {
  return sess.variable_value(v).to_vector<float>();
}

class SaverTest : public ::testing::Test {
 protected:
  Graph graph_;
  DefaultGraph use_{graph_};
  ScratchDir dir_;
};

TEST_F(SaverTest, SavesAndRestoresEveryGlobalVariableUnderItsOpName) {
  Variable w, b, step;
  {
    VariableScope model{"model"};
    w = get_variable("w", {3, 4});
    b = get_variable("b", {4}, {.dtype = DType::kFloat64, .initializer = zeros()});
  }
  step = get_variable("step", Shape(std::vector<std::int64_t>{}),
                      {.dtype = DType::kInt64, .initializer = zeros(), .trainable = false});
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  sess.assign_variable(w, iota({3, 4}, 0.5f));
  sess.assign_variable(b, Tensor::from_vector<double>({1, 2, 3, 4}));
  sess.assign_variable(step, Tensor::scalar<std::int64_t>(41));

  Saver saver;
  EXPECT_EQ(saver.keys(), (std::vector<std::string>{"model/b", "model/w", "step"}));
  const std::string path = saver.save(sess, dir_ / "model", step);
  EXPECT_EQ(path, dir_ / "model-41.safetensors");
  EXPECT_EQ(ScratchDir::read(dir_ / "checkpoint"),
            "model_checkpoint_path: \"model-41.safetensors\"\n"
            "all_model_checkpoint_paths: \"model-41.safetensors\"\n");
  EXPECT_EQ(train::latest_checkpoint(dir_.path().string()), path);

  const CheckpointReader reader(path);
  EXPECT_EQ(reader.keys(), (std::vector<std::string>{"model/b", "model/w", "step"}));
  EXPECT_EQ(reader.dtype("model/b"), DType::kFloat64);
  EXPECT_EQ(reader.tensor("model/w").to_vector<float>(), iota({3, 4}, 0.5f).to_vector<float>());
  EXPECT_EQ(reader.metadata().at("global_step"), "41");

  sess.assign_variable(w, iota({3, 4}, 100.f));
  sess.assign_variable(b, Tensor::from_vector<double>({0, 0, 0, 0}));
  const RestoreReport report = saver.restore(sess, path);
  EXPECT_TRUE(report.complete());
  EXPECT_EQ(report.restored, (std::vector<std::string>{"model/b", "model/w", "step"}));
  EXPECT_EQ(values(sess, w), iota({3, 4}, 0.5f).to_vector<float>());
  EXPECT_EQ(sess.variable_value(b).to_vector<double>(), (std::vector<double>{1, 2, 3, 4}));
}

TEST_F(SaverTest, RestoresIntoAFreshGraphAndSessionBuiltTheSameWay) {
  auto build = [] {
    VariableScope model{"model"};
    return Variable(get_variable("w", {2, 3}));
  };
  const Variable w = build();
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  sess.assign_variable(w, iota({2, 3}, -1.f, 0.25f));
  const std::string path = Saver().save(sess, dir_ / "model.safetensors");
  EXPECT_EQ(path, dir_ / "model.safetensors");

  Graph other;
  DefaultGraph use_other{other};
  const Variable w2 = build();
  Session sess2(other);
  EXPECT_FALSE(sess2.is_initialized(w2));
  Saver(SaverOptions{}, other)
      .restore(sess2, dir_ / "model");  // the path without ".safetensors" works too
  EXPECT_EQ(values(sess2, w2), iota({2, 3}, -1.f, 0.25f).to_vector<float>());
}

TEST_F(SaverTest, MaxToKeepDeletesTheOldestAndTheStateFileFollows) {
  const Variable v = get_variable("v", {2});
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  Saver saver({v}, {.max_to_keep = 2});
  for (int step = 1; step <= 3; ++step) saver.save(sess, dir_ / "ckpt", step * 100);
  EXPECT_FALSE(fs::exists(dir_ / "ckpt-100.safetensors"));
  EXPECT_TRUE(fs::exists(dir_ / "ckpt-200.safetensors"));
  EXPECT_TRUE(fs::exists(dir_ / "ckpt-300.safetensors"));
  EXPECT_EQ(saver.last_checkpoints(), (std::vector<std::string>{dir_ / "ckpt-200.safetensors",
                                                                dir_ / "ckpt-300.safetensors"}));
  EXPECT_EQ(ScratchDir::read(dir_ / "checkpoint"),
            "model_checkpoint_path: \"ckpt-300.safetensors\"\n"
            "all_model_checkpoint_paths: \"ckpt-200.safetensors\"\n"
            "all_model_checkpoint_paths: \"ckpt-300.safetensors\"\n");
  EXPECT_EQ(train::latest_checkpoint(dir_.path().string()), dir_ / "ckpt-300.safetensors");

  // Saving the same step again moves it to the end instead of listing it twice.
  saver.save(sess, dir_ / "ckpt", 200);
  EXPECT_EQ(saver.last_checkpoints(), (std::vector<std::string>{dir_ / "ckpt-300.safetensors",
                                                                dir_ / "ckpt-200.safetensors"}));

  Saver keep_all({v}, {.max_to_keep = 0});
  for (int step = 1; step <= 7; ++step) keep_all.save(sess, dir_ / "all", step);
  EXPECT_EQ(keep_all.last_checkpoints().size(), 7u);
}

TEST_F(SaverTest, LatestCheckpointIsEmptyWithoutAStateFileOrWhenItsFileIsGone) {
  EXPECT_EQ(train::latest_checkpoint(dir_.path().string()), std::nullopt);
  const Variable v = get_variable("v", {2});
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  const std::string path = Saver().save(sess, dir_ / "m", 1);
  fs::remove(path);
  EXPECT_EQ(train::latest_checkpoint(dir_.path().string()), std::nullopt);
}

TEST_F(SaverTest, StrictRestoreListsEveryMissingAndUnexpectedKeyAndChangesNothing) {
  Variable a, b, c;
  {
    VariableScope s{"old"};
    a = get_variable("a", {2});
    get_variable("d", {2});
    get_variable("e", {1});
  }
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  const std::string path = Saver().save(sess, dir_ / "old");

  {
    VariableScope s{"old", {.reuse = AUTO_REUSE}};
    b = get_variable("b", {2});
    c = get_variable("c", {3});
  }
  sess.run_targets({variables_initializer({b, c}, "init_bc")});
  sess.assign_variable(a, iota({2}, 7.f));
  Saver saver({a, b, c});
  VS_EXPECT_ERROR(
      saver.restore(sess, path), NotFoundError,
      "Restoring from checkpoint " + path +
          " failed; nothing was restored."
          "\n  2 keys of the saver not found in the checkpoint: old/b, old/c"
          "\n  2 keys of the checkpoint not in the saver: old/d, old/e"
          "\nA name map (Saver({{\"checkpoint/key\", variable}, ...})) restores under other names; "
          "RestoreOptions{.strict = false} restores the keys that match.");
  EXPECT_EQ(values(sess, a),
            (std::vector<float>{7.f, 8.f}));  // old/a matched, yet was not restored

  const RestoreReport report = saver.restore(sess, path, {.strict = false});
  EXPECT_EQ(report.restored, std::vector<std::string>{"old/a"});
  EXPECT_EQ(report.missing, (std::vector<std::string>{"old/b", "old/c"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"old/d", "old/e"}));
  EXPECT_FALSE(report.complete());
  EXPECT_EQ(report.to_string(),
            "restored 1 key; missing from the checkpoint (2): old/b, old/c; not in the saver (2): "
            "old/d, old/e");
  EXPECT_NE(values(sess, a), (std::vector<float>{7.f, 8.f}));
}

TEST_F(SaverTest, ADtypeOrShapeMismatchIsReportedWithBothSides) {
  const Variable w = get_variable("w", {3, 4});
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  const std::string path = Saver().save(sess, dir_ / "a");

  Graph other;
  DefaultGraph use_other{other};
  const Variable w2 = get_variable("w", {4, 3});
  const Variable v2 = get_variable("v", {2});
  Session sess2(other);
  sess2.run_targets({global_variables_initializer(other)});
  const std::vector<float> before = values(sess2, w2);
  Saver saver(SaverOptions{}, other);
  VS_EXPECT_ERROR_CONTAINS(
      saver.restore(sess2, path), InvalidArgumentError,
      "\n  1 key with another dtype or shape: w: checkpoint float32 [3, 4], variable "
      "float32 [4, 3]");
  EXPECT_EQ(values(sess2, w2), before);
  const RestoreReport report = saver.restore(sess2, path, {.strict = false});
  EXPECT_TRUE(report.restored.empty());
  EXPECT_EQ(report.missing, std::vector<std::string>{"v"});
  EXPECT_EQ(report.mismatched,
            std::vector<std::string>{"w: checkpoint float32 [3, 4], variable float32 [4, 3]"});
  EXPECT_EQ(values(sess2, w2), before);
}

TEST_F(SaverTest, ANameMapRestoresPretrainedValuesIntoNewScopes) {
  Variable kernel, bias, head;
  {
    VariableScope pretrained{"pretrained"};
    VariableScope conv1{"conv1"};
    kernel = get_variable("kernel", {2, 2, 1, 3});
    bias = get_variable("bias", {3});
  }
  {
    VariableScope pretrained{"pretrained"};
    head = get_variable("head", {3, 10});
  }
  Variable new_kernel, new_bias, new_head;
  {
    VariableScope model{"new_model"};
    VariableScope conv1{"conv1"};
    new_kernel = get_variable("kernel", {2, 2, 1, 3});
    new_bias = get_variable("bias", {3}, {.initializer = zeros()});
  }
  {
    VariableScope model{"new_model"};
    new_head = get_variable("head", {3, 5});
  }
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  sess.assign_variable(kernel, iota({2, 2, 1, 3}, 1.f));
  sess.assign_variable(bias, iota({3}, -3.f));
  const std::string path =
      Saver(std::vector<train::Saveable>{kernel, bias, head}).save(sess, dir_ / "pre");

  Saver transfer({{"pretrained/conv1/kernel", new_kernel}, {"pretrained/conv1/bias", new_bias}});
  EXPECT_EQ(transfer.keys(),
            (std::vector<std::string>{"pretrained/conv1/bias", "pretrained/conv1/kernel"}));
  const std::vector<float> head_before = values(sess, new_head);
  const RestoreReport report = transfer.restore(sess, path, {.strict = false});
  EXPECT_EQ(report.restored,
            (std::vector<std::string>{"pretrained/conv1/bias", "pretrained/conv1/kernel"}));
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"pretrained/head"});
  EXPECT_EQ(values(sess, new_kernel), iota({2, 2, 1, 3}, 1.f).to_vector<float>());
  EXPECT_EQ(values(sess, new_bias), iota({3}, -3.f).to_vector<float>());
  EXPECT_EQ(values(sess, new_head), head_before);
}

TEST_F(SaverTest, RejectsAmbiguousVariableLists) {
  const Variable v = get_variable("v", {2});
  const Variable u = get_variable("u", {2});
  VS_EXPECT_ERROR(Saver(std::vector<train::Saveable>{v, u, v}), ValueError,
                  "At least two variables have the same name: v");
  VS_EXPECT_ERROR(Saver({{"a", v}, {"b", v}}), ValueError,
                  "The same variable v would be saved and restored with two names: a and b");
  VS_EXPECT_ERROR(Saver(std::vector<train::Saveable>{}), ValueError, "No variables to save");
  Graph empty;
  VS_EXPECT_ERROR(Saver(SaverOptions{}, empty), ValueError, "No variables to save");
}

TEST_F(SaverTest, SavingAnUninitializedVariableNamesIt) {
  const Variable ready = get_variable("ready", {1});
  get_variable("late", {1});
  Session sess(graph_);
  sess.run_targets({variables_initializer({ready})});
  VS_EXPECT_ERROR(Saver().save(sess, dir_ / "m"), FailedPreconditionError,
                  "Attempting to use uninitialized value late");
  EXPECT_FALSE(fs::exists(dir_ / "m.safetensors"));
  EXPECT_FALSE(fs::exists(dir_ / "checkpoint"));
}

TEST_F(SaverTest, AnUnwritableDirectoryIsAnErrorNamingThePath) {
  get_variable("v", {1});
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  VS_EXPECT_ERROR_PREFIX(Saver().save(sess, dir_ / "no/such/dir/m"), NotFoundError,
                         "Cannot create " + (dir_ / "no/such/dir/m.safetensors.tmp."));
}

TEST_F(SaverTest, ACorruptCheckpointChangesNoVariable) {
  const Variable w = get_variable("w", {64});
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  Saver saver;
  const std::string path = saver.save(sess, dir_ / "m");
  const std::string bytes = ScratchDir::read(path);
  ScratchDir::write(path, bytes.substr(0, bytes.size() - 10));
  sess.assign_variable(w, iota({64}, 0.f));
  EXPECT_THROW(saver.restore(sess, path), DataLossError);
  EXPECT_EQ(values(sess, w), iota({64}, 0.f).to_vector<float>());
}

TEST_F(SaverTest, RestoringReplacesValuesWithoutGrowingVariableMemory) {
  const Variable w = get_variable("w", {256, 256});
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  Saver saver;
  const std::string path = saver.save(sess, dir_ / "m");
  const std::int64_t bytes = sess.memory_stats().current_bytes(MemoryCategory::kVariable);
  for (int i = 0; i < 3; ++i) saver.restore(sess, path);
  EXPECT_EQ(sess.memory_stats().current_bytes(MemoryCategory::kVariable), bytes);
}

// Partitioned variables: one key per full variable, restorable into any partitioning.
class PartitionedSaverTest : public SaverTest {
 protected:
  // "emb/table" (10, 4), built with `partitioner` (or none) in a graph of its own.
  static GetVariableResult table(Partitioner partitioner) {
    VariableScope scope{"emb", {.partitioner = std::move(partitioner)}};
    return get_variable("table", {10, 4});
  }
};

TEST_F(PartitionedSaverTest, SavesTheShardsConcatenatedUnderTheFullName) {
  const GetVariableResult t = table(fixed_size_partitioner(3));
  ASSERT_TRUE(t.is_partitioned());
  ASSERT_EQ(t.partitioned().size(), 3u);  // rows 4 + 3 + 3
  Session sess(graph_);
  sess.run_targets({global_variables_initializer()});
  const Tensor full = iota({10, 4}, 0.f);
  std::int64_t row = 0;
  for (const Variable& shard : t.partitioned()) {
    const std::int64_t rows = shard.shape().dims()[0];
    sess.assign_variable(shard, iota({rows, 4}, static_cast<float>(row * 4)));
    row += rows;
  }
  Saver saver;  // global variables: the three shards, grouped
  EXPECT_EQ(saver.keys(), std::vector<std::string>{"emb/table"});
  const std::string path = saver.save(sess, dir_ / "p");
  const CheckpointReader reader(path);
  EXPECT_EQ(reader.keys(), std::vector<std::string>{"emb/table"});
  EXPECT_EQ(reader.shape("emb/table"), Shape({10, 4}));
  EXPECT_EQ(reader.tensor("emb/table").to_vector<float>(), full.to_vector<float>());
  EXPECT_EQ(Saver(std::vector<train::Saveable>{t}).keys(), std::vector<std::string>{"emb/table"});

  // Into other partitionings of the same full shape, and into a plain variable.
  struct Case {
    std::string name;
    Partitioner partitioner;
  };
  for (const Case& c : {Case{"2 shards", fixed_size_partitioner(2)},
                        Case{"2 along axis 1", fixed_size_partitioner(2, 1)},
                        Case{"unpartitioned", Partitioner{}}}) {
    SCOPED_TRACE(c.name);
    Graph g;
    DefaultGraph use{g};
    const GetVariableResult r = table(c.partitioner);
    Session s(g);
    s.run_targets({global_variables_initializer(g)});
    EXPECT_TRUE(Saver(SaverOptions{}, g).restore(s, path).complete());
    Tensor restored = Tensor::zeros(DType::kFloat32, Shape{10, 4});
    if (r.is_partitioned()) {
      for (const Variable& shard : r.partitioned()) {
        const Tensor v = s.variable_value(shard);
        const auto& offset = shard.save_slice_info()->var_offset;
        for (std::int64_t i = 0; i < v.shape().dims()[0]; ++i) {
          for (std::int64_t j = 0; j < v.shape().dims()[1]; ++j) {
            restored.data<float>()[(offset[0] + i) * 4 + offset[1] + j] =
                v.data<float>()[i * v.shape().dims()[1] + j];
          }
        }
      }
    } else {
      restored = s.variable_value(r.variable());
    }
    EXPECT_EQ(restored.to_vector<float>(), full.to_vector<float>());
  }
}

TEST_F(PartitionedSaverTest, SomeShardsOfAPartitionedVariableAreNotEnough) {
  const GetVariableResult t = table(fixed_size_partitioner(3));
  const std::vector<Variable>& shards = t.partitioned().shards();
  VS_EXPECT_ERROR(
      Saver(std::vector<train::Saveable>{shards[0], shards[2]}), ValueError,
      "Only 2 shards of partitioned variable emb/table (full shape (10, 4)) were given to the "
      "Saver: a "
      "checkpoint key holds the whole variable, so pass every shard or the PartitionedVariable");
}

}  // namespace
}  // namespace varscope
