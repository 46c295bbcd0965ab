// transfer_learning: the transfer-learning practice with scoped variables
// (support/transfer_learning.h).
//
//   1. trains the reference CNN under variable_scope("pretrained") briefly and saves it;
//   2. builds a new model under variable_scope("new_model") whose convolutional base is restored
//      from the checkpoint through a name map ("pretrained/conv1/kernel" -> new_model/conv1/kernel)
//      and whose head (new_model/head/...) is freshly initialized;
//   3. fine-tunes only the head and checks that the restored base did not move.
//
//   build/examples/transfer_learning                      # 300 + 300 steps on Fashion-MNIST
//   build/examples/transfer_learning --pretrain-steps 50 --finetune-steps 50 --eval-limit 1000
#include "support/transfer_learning.h"

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "support/evaluate.h"
#include "varscope/checkpoint_reader.h"
#include "varscope/data.h"
#include "varscope/varscope.h"

namespace vs = varscope;
namespace ex = varscope::examples;

namespace {

struct Flags {
  std::string data_dir = vs::data::default_fashion_mnist_dir().string();
  std::string checkpoint_dir = "transfer_learning_checkpoints";
  std::int64_t pretrain_steps = 300;
  std::int64_t finetune_steps = 300;
  std::int64_t batch_size = 64;
  std::int64_t eval_limit = 0;
  double learning_rate = 1e-3;
  std::int64_t seed = 42;
};

// Runs `steps` training steps over `train` in a shuffled order; returns the mean loss of the
// last 50.
double fit(vs::Session& sess, const ex::TrainableGraph& g, const vs::data::LabeledImages& train,
           std::int64_t steps, std::int64_t batch_size, std::uint64_t seed) {
  const std::int64_t per_epoch = train.size() / batch_size;
  double recent = 0;
  std::int64_t counted = 0;
  std::vector<std::int64_t> order;
  for (std::int64_t step = 0; step < steps; ++step) {
    if (step % per_epoch == 0)
      order = vs::data::epoch_order(train.size(), seed, static_cast<std::uint64_t>(step));
    std::span<const std::int64_t> rows(order.data() + (step % per_epoch) * batch_size,
                                       static_cast<std::size_t>(batch_size));
    const double loss = sess.run({g.loss},
                                 {{g.images, vs::data::gather_rows(train.images, rows)},
                                  {g.labels, vs::data::gather_rows(train.labels, rows)}},
                                 {g.train_op})[0]
                            .item<double>();
    if (step >= steps - 50) {
      recent += loss;
      ++counted;
    }
  }
  return counted ? recent / static_cast<double>(counted) : 0;
}

double accuracy(vs::Session& sess, const ex::TrainableGraph& g,
                const vs::data::LabeledImages& test) {
  return ex::accuracy(sess, g.images, g.labels, g.eval_correct, test, 500);
}

int run(const Flags& flags) {
  const auto train = vs::data::load_fashion_mnist(flags.data_dir, vs::data::Split::kTrain);
  const auto test = vs::data::load_fashion_mnist(
      flags.data_dir, vs::data::Split::kTest,
      flags.eval_limit > 0 ? std::optional(flags.eval_limit) : std::nullopt);
  std::filesystem::create_directories(flags.checkpoint_dir);

  // 1. Pretrain under "pretrained" and save everything (weights, Adam slots, global step).
  std::string checkpoint;
  {
    vs::Graph graph;
    vs::DefaultGraph use{graph};
    graph.set_random_seed(flags.seed);
    const ex::TrainableGraph g = ex::build_pretrained_model(flags.learning_rate);
    vs::Session sess(graph);
    sess.run_targets({vs::global_variables_initializer()});
    const double loss = fit(sess, g, train, flags.pretrain_steps, flags.batch_size, 1);
    vs::train::Saver saver;
    checkpoint = saver.save(sess, flags.checkpoint_dir + "/pretrained", flags.pretrain_steps);
    fmt::print("pretrained: {} steps (loss {:.3f}), test accuracy {:.4f}; saved {} keys to {}\n",
               flags.pretrain_steps, loss, accuracy(sess, g, test), saver.keys().size(),
               checkpoint);
  }

  // 2. A new model under "new_model": the base from the checkpoint, a fresh head.
  vs::Graph graph;
  vs::DefaultGraph use{graph};
  graph.set_random_seed(flags.seed + 1);
  const ex::NewModelGraph g = ex::build_new_model(flags.learning_rate);
  vs::Session sess(graph);
  sess.run_targets({vs::global_variables_initializer()});
  vs::train::Saver transfer(ex::pretrained_name_map(g.base));
  const vs::train::RestoreReport report = transfer.restore(sess, checkpoint, {.strict = false});
  fmt::print(
      "new_model: restored {} base variables through the name map; {} checkpoint keys left out "
      "(the old head, optimizer slots, global_step)\n",
      report.restored.size(), report.unexpected.size());
  if (!report.missing.empty() || !report.mismatched.empty()) {
    throw vs::RuntimeError("the base was not fully restored: " + report.to_string());
  }
  fmt::print("new_model: test accuracy {:.4f} with the fresh head\n", accuracy(sess, g, test));

  // 3. Fine-tune the head only; the base must come out exactly as it was saved.
  const double loss = fit(sess, g, train, flags.finetune_steps, flags.batch_size, 2);
  fmt::print(
      "new_model: fine-tuned the {} head variables for {} steps (loss {:.3f}), test accuracy "
      "{:.4f}\n",
      g.head.size(), flags.finetune_steps, loss, accuracy(sess, g, test));
  const vs::train::CheckpointReader reader(checkpoint);
  for (const auto& [key, saveable] : ex::pretrained_name_map(g.base)) {
    const vs::Variable& v = std::get<vs::Variable>(saveable.value());
    const vs::Tensor saved = reader.tensor(key);
    const vs::Tensor now = sess.variable_value(v);
    if (std::memcmp(saved.raw_data(), now.raw_data(), saved.nbytes()) != 0) {
      throw vs::RuntimeError(v.op_name() +
                             " changed during fine-tuning although only the head trains");
    }
  }
  fmt::print("new_model: the {} base variables still equal {}\n", g.base.size(), checkpoint);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Pretrain a scoped CNN, restore its convolutions into a new model and fine-tune the new "
      "head."};
  Flags flags;
  app.add_option("--data-dir", flags.data_dir, "directory of the Fashion-MNIST IDX files")
      ->capture_default_str();
  app.add_option("--checkpoint-dir", flags.checkpoint_dir, "where the pretrained checkpoint goes")
      ->capture_default_str();
  app.add_option("--pretrain-steps", flags.pretrain_steps, "training steps of the pretrained model")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--finetune-steps", flags.finetune_steps, "training steps of the new head")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--batch-size", flags.batch_size, "images per step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--eval-limit", flags.eval_limit,
                 "evaluate on the first N test images (0: all 10000)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--learning-rate", flags.learning_rate, "Adam learning rate")
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "graph-level random seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");
  try {
    return run(flags);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
