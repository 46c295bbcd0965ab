// write_events <logdir>: writes an event file for check_tensorboard.py to read with TensorBoard's
// own reader. The graph is one scoped conv tower (variable_scope "tower_0"/"conv1") fed by a
// placeholder with an unknown batch dimension, plus a two-output node read at output 1 and a
// control dependency; the scalars are loss = 1/(step+1) and accuracy = step/10 for steps 0..9.
// Prints the event file's path.
#include <cstdint>
#include <exception>
#include <iostream>
#include <vector>

#include "varscope/varscope.h"

namespace vs = varscope;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: write_events <logdir>\n";
    return 2;
  }
  try {
    vs::Graph g;
    {
      vs::DefaultGraph use{g};
      vs::Output images = vs::placeholder(vs::float32, {-1, 8, 8, 3}, "images");
      vs::VariableScope tower{"tower_0"};
      vs::Output activations;
      {
        vs::VariableScope conv1{"conv1"};
        vs::Output w = vs::get_variable("weights", {3, 3, 3, 4});
        vs::Output b = vs::get_variable("biases", {4}, {.initializer = vs::zeros()});
        activations =
            vs::nn::relu(vs::nn::bias_add(vs::nn::conv2d(images, w, {1, 1, 1, 1}, "SAME"), b));
      }
      vs::Node& shapes = g.create_node(vs::NodeSpec{
          .op = "ShapeN",
          .name = "shapes",
          .inputs = {images, activations},
          .attrs = {{"N", std::int64_t{2}}, {"T", vs::float32}, {"out_type", vs::int32}}});
      vs::identity(shapes.output(1), "activation_shape");
      vs::ControlDependencies after_init{
          std::vector<vs::Node*>{g.find_node("tower_0/conv1/weights/Assign")}};
      vs::identity(activations, "output");
    }

    vs::summary::FileWriter writer(argv[1]);
    writer.add_graph(g);
    for (std::int64_t step = 0; step < 10; ++step) {
      writer.scalar("loss", 1.0 / static_cast<double>(step + 1), step);
      writer.scalar("accuracy", static_cast<double>(step) / 10.0, step);
    }
    writer.close();
    std::cout << writer.path() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "write_events: " << e.what() << "\n";
    return 1;
  }
}
