// Session: runs parts of a graph and holds the values of its variables (tf.Session, TF1).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "varscope/graph.h"
#include "varscope/memory.h"
#include "varscope/variable.h"

namespace varscope {

struct SessionOptions {
  /// The device of nodes no device scope places ("/cpu:0", "/gpu:0"); "" = the best available (a
  /// GPU when there is one).
  std::string device{};
  /// A node whose device is missing, or has no kernel for it, runs on the CPU (with a warning once
  /// per cause) instead of failing placement (TF's ConfigProto.allow_soft_placement).
  bool allow_soft_placement = true;
  /// Logs every node's and every copy's device at info level when a plan is built.
  bool log_device_placement = false;
  /// Once a run of a plan is warm (from its second run with the same feed shapes), capture the run's GPU
  /// work as one CUDA graph and replay it for later runs: one launch per step instead of one per
  /// kernel. Only where every node runs on one GPU, apart from shape arithmetic on the host (see
  /// Session::why_not_captured). The values are those of eager runs. Off until verified on more
  /// GPUs; no effect without one.
  bool capture_cuda_graphs = false;
  /// Steps whose values are known when a plan is built (stateless ops of constants) are computed
  /// once then, by their CPU kernels, instead of at every run: TF's Grappler constant folding
  /// (RewriterConfig.constant_folding). Off, every node runs its device's kernel at every run.
  bool fold_constants = true;
};

/// How often a Session captured runs as CUDA graphs and replayed them.
struct CaptureStats {
  std::int64_t captures = 0;
  std::int64_t replays = 0;
  /// Captures that failed (the run was then done eagerly).
  std::int64_t failures = 0;
  /// Operations (kernels, copies: the CUDA graph's nodes) the latest capture holds, each replayed
  /// by one launch.
  std::int64_t last_capture_operations = 0;
};

/// One step of a plan as placed: a node of the graph, or a copy between devices that placement added
/// (what TF shows as the partition graphs of RunMetadata).
struct PlacedNode {
  /// The node's name, or "_copy/<node>_<output>/to_GPU_0" for a copy.
  std::string name{};
  /// The node's op, or "_HostToDevice" / "_DeviceToHost" for a copy.
  std::string op{};
  /// "/job:localhost/replica:0/task:0/device:GPU:0"
  std::string device{};
  /// "x:0", "_copy/x_0/to_GPU_0:0", ...
  std::vector<std::string> inputs{};
  /// Its value is made when the plan is built, not at each run: a Const, or a step whose inputs are
  /// all known then (SessionOptions::fold_constants).
  bool constant = false;
};

/// How one run is done (tf.RunOptions).
struct RunOptions {
  enum class TraceLevel : std::uint8_t { kNoTrace, kFullTrace };
  /// kFullTrace: time every step of the run into RunMetadata::step_stats. A traced run is done
  /// eagerly (never captured or replayed), and each step waits for the device to time it.
  TraceLevel trace_level = TraceLevel::kNoTrace;
};

/// What one step of a traced run took (tf.NodeExecStats, in microseconds).
struct NodeExecStats {
  std::string node_name{};  // or the copy's name, as in PlacedNode
  std::string op{};
  std::string device{};
  /// From the start of the run's work on this device to the start of the step's.
  double start_micros = 0;
  /// On the device's queue: from when the step's work could start to when it ended (CUDA events on a
  /// GPU); it includes the host's time to queue the work when the device waited for it.
  double device_micros = 0;
  /// On the host: the executor's and the kernel function's time for the step.
  double host_micros = 0;
};

/// What a run reports back (tf.RunMetadata): the steps of a traced run, in order.
struct RunMetadata {
  std::vector<NodeExecStats> step_stats{};
};

/// Values fed for placeholders (or any tensor) for one run.
using FeedDict = std::vector<std::pair<Output, Tensor>>;

struct SessionImpl;
class DeviceSet;

/// Runs a graph. Each Session has its own variable values: a variable must be initialized in a
/// session (e.g. by running global_variables_initializer()) before it is read there.
class Session {
 public:
  explicit Session(Graph& graph, SessionOptions options = {});
  /// A session over a given set of devices (core/device_set.h; tests use a stand-in GPU).
  Session(Graph& graph, SessionOptions options, std::shared_ptr<const DeviceSet> devices);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Computes `fetches` (after running `targets`) and returns their values as host tensors.
  /// Throws InvalidArgumentError for a feed of the wrong dtype or shape and for an unfed
  /// placeholder the fetches need (both naming the placeholder), FailedPreconditionError
  /// "Attempting to use uninitialized value F" for an uninitialized variable, and
  /// UnimplementedError, before anything runs, for a node with no kernel.
  std::vector<Tensor> run(const std::vector<Output>& fetches, const FeedDict& feeds = {},
                          const std::vector<Node*>& targets = {});
  /// run() with options; `metadata` (optional) receives the step stats of a traced run.
  std::vector<Tensor> run(const RunOptions& options, const std::vector<Output>& fetches, const FeedDict& feeds,
                          const std::vector<Node*>& targets, RunMetadata* metadata);
  /// One fetch.
  Tensor run(const Output& fetch, const FeedDict& feeds = {});
  /// Runs `targets` only.
  void run_targets(const std::vector<Node*>& targets, const FeedDict& feeds = {});

  /// The steps run(fetches, feeds-of-these-tensors, targets) executes, in order, each with its
  /// device, including the copies between devices. Places the graph as run() would (same errors).
  std::vector<PlacedNode> placed_graph(const std::vector<Output>& fetches, const std::vector<Output>& feeds = {},
                                       const std::vector<Node*>& targets = {});
  /// Why runs of (fetches, feeds-of-these-tensors, targets) are not captured as a CUDA graph
  /// (SessionOptions::capture_cuda_graphs), naming the step at fault; "" when they are.
  std::string why_not_captured(const std::vector<Output>& fetches, const std::vector<Output>& feeds = {},
                               const std::vector<Node*>& targets = {});
  /// Captures and replays so far.
  CaptureStats capture_stats() const;

  /// Whether `variable` holds a value in this session.
  bool is_initialized(const Variable& variable) const;
  /// A host copy of `variable`'s value in this session (what a checkpoint saves). Throws
  /// FailedPreconditionError "Attempting to use uninitialized value F" when it has none.
  Tensor variable_value(const Variable& variable) const;
  /// Makes a copy of `value` the value of `variable` in this session, as running its initializer
  /// would (TF's Variable.load). Throws InvalidArgumentError naming the variable when the dtype
  /// differs or the shape is incompatible with the variable's.
  void assign_variable(const Variable& variable, const Tensor& value);
  /// Memory held on `device` ("/cpu:0") by this process, per category.
  MemoryStats memory_stats(const std::string& device = "/cpu:0") const;
  /// Restarts the peaks of memory_stats(device) from the current values, e.g. to measure one step
  /// (torch.cuda.reset_peak_memory_stats).
  void reset_peak_memory_stats(const std::string& device = "/cpu:0");
  Graph& graph() const;

 private:
  std::unique_ptr<SessionImpl> impl_;
};

/// A NoOp "init" running the initializers of every GLOBAL_VARIABLES variable.
Node* global_variables_initializer(Graph& graph = get_default_graph());
/// The same for LOCAL_VARIABLES ("init_1" if "init" exists...).
Node* local_variables_initializer(Graph& graph = get_default_graph());
/// A NoOp `name` running the initializers of `variables`.
Node* variables_initializer(const std::vector<Variable>& variables, std::string_view name = "init");

}  // namespace varscope
