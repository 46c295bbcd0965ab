#include "core/matmul_problem.h"

#include <string>

#include "varscope/error.h"

namespace varscope {
namespace {

bool bool_attr(const Node& node, const char* name) {
  return node.has_attr(name) && node.attr_as<bool>(name);
}

[[noreturn]] void fail_for(const Node& node, const std::string& message) {
  throw InvalidArgumentError("[" + node.op() + "] node '" + node.name() + "': " + message);
}

}  // namespace

MatmulProblem matmul_problem(const Node& node, const Tensor& a, const Tensor& b) {
  const bool ta = bool_attr(node, "transpose_a");
  const bool tb = bool_attr(node, "transpose_b");
  if (a.shape().rank() != 2 || b.shape().rank() != 2) {
    fail_for(node, "a and b must be matrices, got shapes " + a.shape().to_string() + " and " +
                       b.shape().to_string());
  }
  const MatmulProblem p{.m = a.shape().dim(ta ? 1 : 0),
                        .n = b.shape().dim(tb ? 0 : 1),
                        .k = a.shape().dim(ta ? 0 : 1),
                        .transpose_a = ta,
                        .transpose_b = tb};
  const std::int64_t kb = b.shape().dim(tb ? 1 : 0);
  if (p.k != kb) {
    fail_for(node, std::string("inner dimensions differ: a ") + a.shape().to_string() +
                       (ta ? " transposed" : "") + " and b " + b.shape().to_string() +
                       (tb ? " transposed" : "") + " give " + std::to_string(p.k) + " and " +
                       std::to_string(kb));
  }
  return p;
}

}  // namespace varscope
