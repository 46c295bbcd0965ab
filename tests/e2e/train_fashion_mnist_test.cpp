// End to end: the reference CNN learns Fashion-MNIST on the CPU backend.
//
// Training on the first 2,000 training images for 250 steps of 32 (4 epochs) with Adam 1e-3. The
// threshold on the first 1,000 test images is 0.70: chance is 0.10, and this run scores 0.802 here
// (mean epoch loss 1.01 -> 0.41); thread-count-dependent summation order moves it by a little, so
// 0.70 leaves room for that while still failing for a broken op, gradient or update (the untrained
// model scores 0.074).
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <random>

#include "../../examples/support/fashion_cnn.h"
#include "varscope/data.h"
#include "varscope/gradients.h"
#include "varscope/session.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

Tensor random_images(std::int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::vector<float> values(static_cast<std::size_t>(n * 28 * 28));
  for (float& v : values) v = pixel(gen);
  return Tensor::from_vector(values, Shape{n, 28, 28, 1});
}

bool have_dataset() {
  return std::filesystem::exists(data::default_fashion_mnist_dir() / "train-images-idx3-ubyte.gz");
}

double accuracy(Session& sess, const examples::FashionCnnGraph& g, const data::LabeledImages& set) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(set.size()));
  std::iota(rows.begin(), rows.end(), 0);
  const double correct =
      sess.run(g.eval_correct, {{g.images, data::gather_rows(set.images, rows)}, {g.labels, data::gather_rows(set.labels, rows)}})
          .item<double>();
  return correct / static_cast<double>(set.size());
}

TEST(TrainFashionMnist, LossFallsAndAccuracyPassesTheThreshold) {
  if (!have_dataset()) GTEST_SKIP() << "no Fashion-MNIST at " << data::default_fashion_mnist_dir() << " (scripts/setup installs dataset-fashion-mnist)";
  const auto train = data::load_fashion_mnist(data::default_fashion_mnist_dir(), data::Split::kTrain, 2000);
  const auto test = data::load_fashion_mnist(data::default_fashion_mnist_dir(), data::Split::kTest, 1000);

  Graph graph;
  DefaultGraph use{graph};
  graph.set_random_seed(1);
  const auto g = examples::build_fashion_cnn_graph("adam", 1e-3, std::nullopt);
  Session sess{graph};
  sess.run_targets({global_variables_initializer()});
  const double before = accuracy(sess, g, test);

  constexpr std::int64_t kBatch = 32;
  std::vector<double> epoch_loss;
  for (std::uint64_t epoch = 0; epoch < 4; ++epoch) {
    const auto order = data::epoch_order(train.size(), 7, epoch);
    double sum = 0;
    const std::int64_t steps = train.size() / kBatch;
    for (std::int64_t s = 0; s < steps; ++s) {
      std::span<const std::int64_t> rows(order.data() + s * kBatch, kBatch);
      sum += sess.run({g.loss}, {{g.images, data::gather_rows(train.images, rows)}, {g.labels, data::gather_rows(train.labels, rows)}},
                      {g.train_op})[0]
                 .item<double>();
    }
    epoch_loss.push_back(sum / static_cast<double>(steps));
  }
  const double after = accuracy(sess, g, test);
  EXPECT_EQ(sess.run(g.global_step.value()).item<std::int64_t>(), 4 * (2000 / kBatch));
  EXPECT_LT(epoch_loss.back(), 0.75 * epoch_loss.front()) << "epoch losses " << ::testing::PrintToString(epoch_loss);
  EXPECT_GE(after, 0.70) << "accuracy before training " << before;
  std::cout << "[ e2e ] accuracy " << before << " -> " << after << ", epoch losses "
            << ::testing::PrintToString(epoch_loss) << "\n";
}

// Two towers under one AUTO_REUSE scope, each fed half of the batch: one set of variables, and a
// step moves it by the sum of both towers' gradients.
TEST(TrainFashionMnist, TwoAutoReuseTowersTrainOneSetOfVariables) {
  Graph graph;
  DefaultGraph use{graph};
  graph.set_random_seed(3);
  const Output a = placeholder(DType::kFloat32, Shape{-1, 28, 28, 1}, "images_a");
  const Output b = placeholder(DType::kFloat32, Shape{-1, 28, 28, 1}, "images_b");
  const Output la = placeholder(DType::kInt32, Shape{-1}, "labels_a");
  const Output lb = placeholder(DType::kInt32, Shape{-1}, "labels_b");
  const Output logits_a = examples::fashion_cnn(a, false);
  const std::size_t one_tower = trainable_variables().size();
  const Output logits_b = examples::fashion_cnn(b, false);
  EXPECT_EQ(one_tower, 8u);  // conv1, conv2, dense, logits: kernel and bias each
  EXPECT_EQ(trainable_variables().size(), one_tower);
  EXPECT_EQ(logits_a.node->name().substr(0, 4), "cnn/");
  EXPECT_EQ(logits_b.node->name().substr(0, 6), "cnn_1/");

  const Output loss = add(reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(la, logits_a)),
                          reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(lb, logits_b)));
  train::GradientDescentOptimizer sgd(0.05);
  Node* step = sgd.minimize(loss);
  Session sess{graph};
  sess.run_targets({global_variables_initializer()});

  const Tensor xa = random_images(4, 1), xb = random_images(4, 2);
  const Tensor ya = Tensor::from_vector<std::int32_t>({0, 1, 2, 3}), yb = Tensor::from_vector<std::int32_t>({4, 5, 6, 7});
  const FeedDict feeds{{a, xa}, {b, xb}, {la, ya}, {lb, yb}};

  // The same images through either tower give the same logits: one set of weights.
  const Tensor same_a = sess.run(logits_a, {{a, xa}});
  const Tensor same_b = sess.run(logits_b, {{b, xa}});
  EXPECT_EQ(same_a.to_vector<float>(), same_b.to_vector<float>());

  // One step moves every variable by -lr * (gradient through tower a + gradient through tower b).
  const std::vector<Variable> vars = trainable_variables();
  const Output loss_a = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(la, logits_a));
  const Output loss_b = reduce_mean(nn::sparse_softmax_cross_entropy_with_logits(lb, logits_b));
  const std::vector<Output> grads_a = gradients({loss_a}, vars);
  const std::vector<Output> grads_b = gradients({loss_b}, vars);
  std::vector<Output> fetch;
  for (const Variable& v : vars) fetch.push_back(v.value());
  const std::vector<Tensor> before = sess.run(fetch);
  const std::vector<Tensor> ga = sess.run(grads_a, feeds);
  const std::vector<Tensor> gb = sess.run(grads_b, feeds);
  sess.run_targets({step}, feeds);
  const std::vector<Tensor> after = sess.run(fetch);
  for (std::size_t k = 0; k < vars.size(); ++k) {
    const auto v0 = before[k].to_vector<float>(), v1 = after[k].to_vector<float>();
    const auto g0 = ga[k].to_vector<float>(), g1 = gb[k].to_vector<float>();
    double worst = 0;
    for (std::size_t i = 0; i < v0.size(); ++i) {
      const double expected = v0[i] - 0.05 * (static_cast<double>(g0[i]) + g1[i]);
      worst = std::max(worst, std::abs(expected - v1[i]));
    }
    EXPECT_LT(worst, 1e-5) << vars[k].name();
  }
}

}  // namespace
}  // namespace varscope
