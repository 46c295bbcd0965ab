// save_forever <dir>: saves a 1 MiB checkpoint again and again as <dir>/model-<n>.safetensors, the
// n-th with every element equal to n (Saver keeps the last 5 and names the latest in <dir>/checkpoint),
// and prints "saved" after the first. The kill-during-save test kills it at random moments and checks
// that the latest checkpoint is always whole and loadable.
#include <cstdio>
#include <exception>
#include <string>

#include "varscope/saver.h"
#include "varscope/session.h"
#include "varscope/variable_scope.h"

namespace vs = varscope;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: save_forever <dir>\n");
    return 2;
  }
  try {
    vs::Graph graph;
    vs::DefaultGraph use{graph};
    const vs::Variable big = vs::get_variable("big", {256, 1024}, {.initializer = vs::zeros()});
    const vs::Variable counter = vs::get_variable("counter", {1}, {.initializer = vs::zeros()});
    vs::Session sess(graph);
    vs::train::Saver saver;
    const std::string path = std::string(argv[1]) + "/model";
    for (int n = 1;; ++n) {
      const vs::Tensor value = vs::Tensor::filled(vs::DType::kFloat32, big.shape(), n);
      sess.assign_variable(big, value);
      sess.assign_variable(counter, vs::Tensor::filled(vs::DType::kFloat32, vs::Shape{1}, n));
      saver.save(sess, path, n);
      if (n == 1) {
        std::printf("saved\n");
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "save_forever: %s\n", e.what());
    return 1;
  }
}
