// varscope-train: trains the reference CNN of Fashion-MNIST's TF1 benchmark (see
// support/fashion_cnn.h) and prints the test accuracy as its last line: test_accuracy=0.XXXX
//
//   build/examples/varscope-train                         # 1 epoch, Adam 1e-3, batch 64
//   build/examples/varscope-train --epochs 10             # the >= 91% run of the README
//   build/examples/varscope-train --logdir runs/cnn       # then: tensorboard --logdir runs
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include "core/backend.h"  // cuda_available()
#include "support/evaluate.h"
#include "support/fashion_cnn.h"
#include "support/progress_bar.h"
#include "varscope/data.h"
#include "varscope/error.h"
#include "varscope/session.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

struct Flags {
  std::string device = "auto";
  int epochs = 1;
  std::int64_t batch_size = 64;
  double learning_rate = 1e-3;
  std::string optimizer = "adam";
  std::int64_t train_limit = 0;
  std::int64_t seed = 42;
  std::string data_dir = vs::data::default_fashion_mnist_dir().string();
  std::int64_t eval_batch_size = 1000;
  std::string logdir{};
  bool cuda_graphs = false;
};

std::string pick_device(const std::string& requested) {
  if (requested == "cpu") return "/cpu:0";
  if (requested == "gpu") {
    if (!vs::cuda_available())
      throw vs::NotFoundError("--device gpu: no usable CUDA device on this machine");
    return "/gpu:0";
  }
  return vs::cuda_available() ? "/gpu:0" : "/cpu:0";
}

// Accuracy of the evaluation tower over `set`.
double evaluate(vs::Session& sess, const vs::examples::FashionCnnGraph& g,
                const vs::data::LabeledImages& set, std::int64_t batch_size) {
  return vs::examples::accuracy(sess, g.images, g.labels, g.eval_correct, set, batch_size);
}

int run(const Flags& flags) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const std::string device = pick_device(flags.device);
  auto train = vs::data::load_fashion_mnist(
      flags.data_dir, vs::data::Split::kTrain,
      flags.train_limit > 0 ? std::optional(flags.train_limit) : std::nullopt);
  auto test = vs::data::load_fashion_mnist(flags.data_dir, vs::data::Split::kTest);
  spdlog::info("Fashion-MNIST from {}: {} training and {} test images", flags.data_dir,
               train.size(), test.size());

  vs::Graph graph;
  vs::DefaultGraph use{graph};
  graph.set_random_seed(flags.seed);
  const auto g =
      vs::examples::build_fashion_cnn_graph(flags.optimizer, flags.learning_rate, std::nullopt);
  std::int64_t parameters = 0;
  for (const vs::Variable& v : vs::trainable_variables()) parameters += v.shape().num_elements();
  spdlog::info(
      "model: {} trainable variables, {} parameters; optimizer {} (learning rate {}), batch {}, "
      "device {}",
      vs::trainable_variables().size(), parameters, flags.optimizer, flags.learning_rate,
      flags.batch_size, device);
  // --device gpu means the whole step on the GPU: a node without a GPU kernel is an error rather
  // than a silent trip to the CPU.
  vs::Session sess{graph,
                   {.device = device, .allow_soft_placement = flags.device != "gpu", .capture_cuda_graphs = flags.cuda_graphs}};
  sess.run_targets({vs::global_variables_initializer()});

  // TensorBoard: the graph, the training loss of every step and the test accuracy of every epoch.
  std::optional<vs::summary::FileWriter> events;
  if (!flags.logdir.empty()) {
    events.emplace(flags.logdir);
    events->add_graph(graph);
    spdlog::info("TensorBoard events: {} (tensorboard --logdir {})", events->path(), flags.logdir);
  }
  std::int64_t global_step = 0;
  std::optional<double> accuracy;  // of the model as it is now

  const std::int64_t steps_per_epoch = train.size() / flags.batch_size;
  if (steps_per_epoch == 0) {
    throw vs::InvalidArgumentError("--batch-size " + std::to_string(flags.batch_size) +
                                   " is larger than the " + std::to_string(train.size()) +
                                   " training images");
  }
  for (int epoch = 0; epoch < flags.epochs; ++epoch) {
    const auto order = vs::data::epoch_order(train.size(), static_cast<std::uint64_t>(flags.seed),
                                             static_cast<std::uint64_t>(epoch));
    vs::examples::ProgressBar bar(fmt::format("epoch {}/{}", epoch + 1, flags.epochs),
                                  steps_per_epoch, flags.batch_size);
    double loss_sum = 0;
    for (std::int64_t step = 0; step < steps_per_epoch; ++step) {
      std::span<const std::int64_t> rows(order.data() + step * flags.batch_size,
                                         static_cast<std::size_t>(flags.batch_size));
      const auto out = sess.run({g.loss},
                                {{g.images, vs::data::gather_rows(train.images, rows)},
                                 {g.labels, vs::data::gather_rows(train.labels, rows)}},
                                {g.train_op});
      const double loss = out[0].item<double>();
      if (!std::isfinite(loss))
        throw vs::RuntimeError("the loss diverged (" + std::to_string(loss) + ") at step " +
                               std::to_string(step) + "; try a smaller --learning-rate");
      loss_sum += loss;
      ++global_step;
      if (events) events->scalar("loss", loss, global_step);
      bar.update(step + 1, loss_sum / static_cast<double>(step + 1));
    }
    spdlog::info("epoch {}: mean training loss {:.4f}", epoch + 1,
                 loss_sum / static_cast<double>(steps_per_epoch));
    accuracy.reset();
    if (events) {
      accuracy = evaluate(sess, g, test, flags.eval_batch_size);
      events->scalar("accuracy", *accuracy, global_step);
      events->flush();
    }
  }
  if (!accuracy) accuracy = evaluate(sess, g, test, flags.eval_batch_size);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  spdlog::info(
      "done in {:.1f} s; peak activation memory on {} {:.1f} MiB", seconds, device,
      static_cast<double>(sess.memory_stats(device).peak_bytes(vs::MemoryCategory::kActivation)) /
          (1 << 20));
  fmt::print("test_accuracy={:.4f}\n", *accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Train the reference CNN on Fashion-MNIST and report its test accuracy."};
  Flags flags;
  app.add_option("--device", flags.device, "cpu, gpu or auto (the GPU when there is one)")
      ->check(CLI::IsMember({"cpu", "gpu", "auto"}))
      ->capture_default_str();
  app.add_option("--epochs", flags.epochs, "passes over the training set")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--batch-size", flags.batch_size, "images per training step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--learning-rate", flags.learning_rate, "optimizer learning rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--optimizer", flags.optimizer, "sgd, momentum (0.9) or adam")
      ->check(CLI::IsMember({"sgd", "momentum", "adam"}))
      ->capture_default_str();
  app.add_option("--train-limit", flags.train_limit,
                 "use the first N training images (0: all 60000)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--seed", flags.seed, "graph-level random seed and data order")
      ->capture_default_str();
  app.add_option("--data-dir", flags.data_dir, "directory of the Fashion-MNIST IDX files")
      ->capture_default_str();
  app.add_option("--eval-batch-size", flags.eval_batch_size, "images per evaluation step")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option(
      "--logdir", flags.logdir,
      "write TensorBoard events here: the graph, the loss per step, the test accuracy per epoch");
  app.add_flag("--cuda-graphs", flags.cuda_graphs,
               "replay each warm training and evaluation step as one CUDA graph (GPU; experimental)");
  CLI11_PARSE(app, argc, argv);

  spdlog::set_pattern("[%H:%M:%S] %^%l%$ %v");
  try {
    return run(flags);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
