// gradients(): TF1's reverse-mode pass (gradients_util._GradientsHelper) over our graph.
//
// 1. The ops "between" xs and ys: reachable forward from the xs and backward from the ys.
// 2. Seed each y with grad_ys (default: Fill(Shape(y), 1) named gradients/Shape, grad_ys_0, Fill).
// 3. Visit the between ops in reverse creation order (a reverse topological order, the graph being
//    append-only). Several gradients reaching one output are summed by AddN ("gradients/AddN");
//    an op's rule runs in the name scope "<op name>_grad" inside the gradients scope.
// gate_gradients (tf.tuple around each op's input gradients) is not built: our executor runs
// nodes one at a time, so gating changes nothing.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <unordered_set>

#include "core/gradient_registry.h"
#include "core/op_builder.h"
#include "varscope/error.h"
#include "varscope/gradients.h"
#include "varscope/name_scope.h"
#include "varscope/ops.h"

namespace varscope {
namespace {

void expect_differentiable(const Output& t, const char* role) {
  if (!t.valid()) throw InvalidArgumentError(std::string("gradients: a null Output was given in ") + role);
  if (!is_floating(t.dtype())) {
    throw InvalidArgumentError(std::string("gradients: ") + role + " tensor " + t.name() + " has dtype " +
                               std::string(dtype_name(t.dtype())) + "; only floating tensors are differentiable");
  }
}

// Ops reachable from `starts` following data edges forward.
std::unordered_set<Node*> reached_from(const std::vector<Output>& xs, Graph& graph) {
  std::unordered_set<Node*> reached;
  std::map<Node*, std::vector<Node*>> consumers;
  for (Node* n : graph.nodes()) {
    for (const Output& in : n->inputs()) consumers[in.node].push_back(n);
  }
  std::vector<Node*> stack;
  for (const Output& x : xs) {
    if (reached.insert(x.node).second) stack.push_back(x.node);
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (Node* c : consumers[n]) {
      if (reached.insert(c).second) stack.push_back(c);
    }
  }
  return reached;
}

// Creation order (not address order: freed nodes of an earlier graph make addresses arbitrary).
struct ByCreation {
  bool operator()(const Node* a, const Node* b) const { return a->id() < b->id(); }
};
using NodeSet = std::set<Node*, ByCreation>;

// Of the `reached` ops, those a y depends on through data edges.
NodeSet between_ops(const std::vector<Output>& ys, const std::unordered_set<Node*>& reached) {
  NodeSet between;
  std::vector<Node*> stack;
  for (const Output& y : ys) {
    if (reached.contains(y.node) && between.insert(y.node).second) stack.push_back(y.node);
  }
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Output& in : n->inputs()) {
      if (reached.contains(in.node) && between.insert(in.node).second) stack.push_back(in.node);
    }
  }
  return between;
}

// Sums the gradients of one output: one is used as is, several go through AddN.
Output aggregate(std::vector<Output>& grads) {
  if (grads.empty()) return Output();
  if (grads.size() > 1) {
    Output sum = add_n(grads);
    grads.assign(1, sum);
  }
  return grads.front();
}

}  // namespace

std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Output>& xs,
                              const std::vector<Output>& grad_ys, std::string_view name) {
  if (ys.empty()) throw InvalidArgumentError("gradients: ys is empty");
  for (const Output& y : ys) expect_differentiable(y, "ys");
  for (const Output& x : xs) expect_differentiable(x, "xs");
  if (!grad_ys.empty() && grad_ys.size() != ys.size()) {
    throw InvalidArgumentError("gradients: Passed " + std::to_string(grad_ys.size()) +
                               " grad_ys for " + std::to_string(ys.size()) + " ys");
  }
  std::vector<Output> all = ys;
  all.insert(all.end(), xs.begin(), xs.end());
  for (const Output& g : grad_ys) {
    if (g.valid()) all.push_back(g);
  }
  Graph& graph = builder::graph_of("gradients", all);
  builder::UseGraph use{graph};
  NameScope scope{builder::scope_arg(name), "gradients"};

  // grads[node][k]: the gradients reaching output k of node, summed when the node is visited.
  std::map<Node*, std::vector<std::vector<Output>>> grads;
  const auto add_grad = [&](const Output& t, const Output& g) {
    auto& per_output = grads[t.node];
    per_output.resize(static_cast<std::size_t>(t.node->num_outputs()));
    per_output[static_cast<std::size_t>(t.index)].push_back(g);
  };

  for (std::size_t i = 0; i < ys.size(); ++i) {
    const Output& y = ys[i];
    Output seed = grad_ys.empty() ? Output() : grad_ys[i];
    if (!seed.valid()) {
      Output dims = shape(y);
      Output one = constant(1.0, y.dtype(), "grad_ys_" + std::to_string(i));
      seed = fill(dims, one);
    } else {
      if (seed.dtype() != y.dtype()) {
        throw InvalidArgumentError("gradients: grad_ys[" + std::to_string(i) + "] " + seed.name() + " has dtype " +
                                   std::string(dtype_name(seed.dtype())) + " but y " + y.name() + " has dtype " +
                                   std::string(dtype_name(y.dtype())));
      }
      if (!seed.shape().is_compatible_with(y.shape())) {
        throw InvalidArgumentError("gradients: grad_ys[" + std::to_string(i) + "] " + seed.name() + " has shape " +
                                   seed.shape().to_string() + " but y " + y.name() + " has shape " +
                                   y.shape().to_string());
      }
    }
    add_grad(y, seed);
  }

  const std::unordered_set<Node*> reached = reached_from(xs, graph);
  const NodeSet between = between_ops(ys, reached);
  const GradientRegistry& registry = GradientRegistry::global();

  // Reverse creation order: every consumer of an op is visited before the op itself.
  for (auto it = between.rbegin(); it != between.rend(); ++it) {
    Node* op = *it;
    auto found = grads.find(op);
    if (found == grads.end()) continue;
    std::vector<Output> out_grads;
    bool any = false;
    for (auto& list : found->second) {
      out_grads.push_back(aggregate(list));
      any = any || out_grads.back().valid();
    }
    out_grads.resize(static_cast<std::size_t>(op->num_outputs()));
    if (!any) continue;

    // Only inputs produced by between ops need a gradient; an op with none is where the pass stops
    // (an x's own op, a variable).
    std::vector<bool> wanted(op->inputs().size(), false);
    bool any_wanted = false;
    for (std::size_t i = 0; i < op->inputs().size(); ++i) {
      const Output& in = op->inputs()[i];
      wanted[i] = between.contains(in.node) && is_floating(in.dtype());
      any_wanted = any_wanted || wanted[i];
    }
    if (!any_wanted || registry.is_not_differentiable(op->op())) continue;
    const GradientFn* rule = registry.find(op->op());
    if (rule == nullptr) {
      throw NotFoundError("No gradient defined for operation '" + op->name() + "' (op type: " + op->op() + ")");
    }

    std::vector<Output> in_grads;
    {
      NameScope op_scope{op->name() + "_grad"};
      in_grads = (*rule)(*op, out_grads);
    }
    if (in_grads.size() != op->inputs().size()) {
      throw InternalError("gradient rule of " + op->op() + " returned " + std::to_string(in_grads.size()) +
                          " gradients for node '" + op->name() + "' with " + std::to_string(op->inputs().size()) +
                          " inputs");
    }
    for (std::size_t i = 0; i < in_grads.size(); ++i) {
      if (!wanted[i] || !in_grads[i].valid()) continue;
      const Output& in = op->inputs()[i];
      const Output& g = in_grads[i];
      if (g.dtype() != in.dtype() || !g.shape().is_compatible_with(in.shape())) {
        throw InternalError("gradient rule of " + op->op() + " for node '" + op->name() + "' input " +
                            std::to_string(i) + " gave " + std::string(dtype_name(g.dtype())) + " " +
                            g.shape().to_string() + ", expected " + std::string(dtype_name(in.dtype())) + " " +
                            in.shape().to_string());
      }
      add_grad(in, g);
    }
  }

  std::vector<Output> result;
  result.reserve(xs.size());
  for (const Output& x : xs) {
    auto found = grads.find(x.node);
    if (found == grads.end()) {
      result.emplace_back();
      continue;
    }
    auto& per_output = found->second;
    per_output.resize(static_cast<std::size_t>(x.node->num_outputs()));
    result.push_back(aggregate(per_output[static_cast<std::size_t>(x.index)]));
  }
  return result;
}

std::vector<Output> gradients(const std::vector<Output>& ys, const std::vector<Variable>& xs,
                              const std::vector<Output>& grad_ys, std::string_view name) {
  std::vector<Output> outputs;
  outputs.reserve(xs.size());
  for (const Variable& v : xs) {
    if (!v) throw InvalidArgumentError("gradients: a null Variable was given in xs");
    outputs.push_back(v.op()->output(0));
  }
  return gradients(ys, outputs, grad_ys, name);
}

}  // namespace varscope
