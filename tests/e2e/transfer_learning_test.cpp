// The transfer-learning practice (examples/support/transfer_learning.h), on random data so it
// needs no dataset: the base restored into "new_model" equals what "pretrained" saved, the head
// keeps its fresh values until it trains, and fine-tuning the head leaves the base unchanged.
#include "../../examples/support/transfer_learning.h"

#include <gtest/gtest.h>

#include <random>

#include "scratch_dir.h"
#include "varscope/checkpoint_reader.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

struct Batch {
  Tensor images, labels;
};

Batch random_batch(std::int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::uniform_int_distribution<std::int32_t> label(0, 9);
  std::vector<float> images(static_cast<std::size_t>(n * 28 * 28));
  for (float& v : images) v = pixel(gen);
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  for (std::int32_t& l : labels) l = label(gen);
  return {Tensor::from_vector(images, Shape{n, 28, 28, 1}), Tensor::from_vector(labels, Shape{n})};
}

void train_steps(Session& sess, const examples::TrainableGraph& g, int steps) {
  for (int step = 0; step < steps; ++step) {
    const Batch batch = random_batch(8, static_cast<unsigned>(step));
    sess.run_targets({g.train_op}, {{g.images, batch.images}, {g.labels, batch.labels}});
  }
}

bool same_values(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.to_vector<float>() == b.to_vector<float>();
}

TEST(TransferLearning, RestoresTheBaseThroughANameMapAndFineTunesOnlyTheHead) {
  testing::ScratchDir dir;
  std::string checkpoint;
  std::map<std::string, Tensor> pretrained;  // key -> value when saved
  {
    Graph graph;
    DefaultGraph use{graph};
    graph.set_random_seed(1);
    const examples::TrainableGraph g = examples::build_pretrained_model(1e-3);
    Session sess(graph);
    sess.run_targets({global_variables_initializer()});
    train_steps(sess, g, 3);
    checkpoint = train::Saver().save(sess, dir / "pretrained", 3);
    for (const Variable& v : trainable_variables("pretrained/conv"))
      pretrained[v.op_name()] = sess.variable_value(v);
  }
  ASSERT_EQ(pretrained.size(), 4u);  // conv1 and conv2, kernel and bias

  Graph graph;
  DefaultGraph use{graph};
  graph.set_random_seed(2);
  const examples::NewModelGraph g = examples::build_new_model(1e-3);
  std::vector<std::string> base_names, head_names;
  for (const Variable& v : g.base) base_names.push_back(v.op_name());
  for (const Variable& v : g.head) head_names.push_back(v.op_name());
  EXPECT_EQ(base_names,
            (std::vector<std::string>{"new_model/conv1/kernel", "new_model/conv1/bias",
                                      "new_model/conv2/kernel", "new_model/conv2/bias"}));
  EXPECT_EQ(head_names, (std::vector<std::string>{
                            "new_model/head/dense/kernel", "new_model/head/dense/bias",
                            "new_model/head/logits/kernel", "new_model/head/logits/bias"}));

  Session sess(graph);
  sess.run_targets({global_variables_initializer()});
  std::map<std::string, Tensor> fresh_head;
  for (const Variable& v : g.head) fresh_head[v.op_name()] = sess.variable_value(v);

  train::Saver transfer(examples::pretrained_name_map(g.base));
  // Strict: the checkpoint's other keys (the old head, Adam slots, global_step) are unexpected.
  EXPECT_THROW(transfer.restore(sess, checkpoint), NotFoundError);
  const train::RestoreReport report = transfer.restore(sess, checkpoint, {.strict = false});
  EXPECT_EQ(report.restored,
            (std::vector<std::string>{"pretrained/conv1/bias", "pretrained/conv1/kernel",
                                      "pretrained/conv2/bias", "pretrained/conv2/kernel"}));
  EXPECT_TRUE(report.missing.empty());
  EXPECT_TRUE(report.mismatched.empty());
  EXPECT_EQ(report.unexpected.size(), train::CheckpointReader(checkpoint).keys().size() - 4);

  auto expect_base_is_pretrained = [&] {
    for (const Variable& v : g.base) {
      const std::string key = "pretrained" + v.op_name().substr(std::string("new_model").size());
      EXPECT_TRUE(same_values(sess.variable_value(v), pretrained.at(key)))
          << v.op_name() << " vs " << key;
    }
  };
  expect_base_is_pretrained();
  for (const Variable& v : g.head)
    EXPECT_TRUE(same_values(sess.variable_value(v), fresh_head.at(v.op_name())));

  train_steps(sess, g, 3);
  expect_base_is_pretrained();  // frozen: not in the optimizer's var_list
  for (const Variable& v : g.head) {
    if (v.op_name().ends_with("kernel")) {
      EXPECT_FALSE(same_values(sess.variable_value(v), fresh_head.at(v.op_name())))
          << v.op_name() << " did not train";
    }
  }
}

}  // namespace
}  // namespace varscope
