// Several functions sharing variables under one common scope: the "my_image_filter" example of
// TensorFlow's variable guide. conv_relu asks for "weights" and "biases" with get_variable;
// my_image_filter calls it under "conv1" and "conv2"; calling the filter under "model" twice, the
// second time with reuse=True, applies one set of four variables to two images. The TF1 program it
// mirrors, and whose output it prints, is tests/examples/shared_under_common_scope.py.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "varscope/nn.h"
#include "varscope/varscope.h"

namespace vs = varscope;
namespace nn = varscope::nn;

namespace {

// input (N, H, W, C_in), kernel_shape (KH, KW, C_in, C_out) -> relu(conv2d(input) + biases).
vs::Output conv_relu(const vs::Output& input, const vs::Shape& kernel_shape,
                     const vs::Shape& bias_shape) {
  vs::Variable weights =
      vs::get_variable("weights", kernel_shape, {.initializer = vs::random_normal_initializer()});
  vs::Variable biases =
      vs::get_variable("biases", bias_shape, {.initializer = vs::constant_initializer(0.0)});
  vs::Output conv = nn::conv2d(input, weights, {1, 1, 1, 1}, "SAME");
  return nn::relu(nn::bias_add(conv, biases));
}

vs::Output my_image_filter(const vs::Output& input_images) {
  vs::Output relu1;
  {
    vs::VariableScope conv1{"conv1"};  // variables "conv1/weights", "conv1/biases"
    relu1 = conv_relu(input_images, {5, 5, 32, 32}, {32});
  }
  vs::VariableScope conv2{"conv2"};  // variables "conv2/weights", "conv2/biases"
  return conv_relu(relu1, {5, 5, 32, 32}, {32});
}

std::string first_line(const std::exception& error) {
  const std::string text = error.what();
  return text.substr(0, text.find('\n'));
}

vs::Variable variable_named(const std::string& op_name) {
  for (const vs::Variable& v : vs::global_variables()) {
    if (v.op_name() == op_name) return v;
  }
  throw vs::NotFoundError("no variable " + op_name);
}

bool all_equal(const vs::Tensor& t, float value) {
  const std::vector<float> values = t.to_vector<float>();
  return std::all_of(values.begin(), values.end(), [&](float x) { return x == value; });
}

}  // namespace

int main() {
  vs::Graph g;
  vs::DefaultGraph use{g};
  g.set_random_seed(7);
  vs::Output image1 = vs::placeholder(vs::float32, {1, 10, 10, 32}, "image1");
  vs::Output image2 = vs::placeholder(vs::float32, {1, 20, 20, 32}, "image2");

  std::printf("Calling conv_relu twice in one scope fails: both calls want the same names\n");
  try {
    vs::VariableScope attempt{"attempt"};
    vs::Output x = conv_relu(image1, {5, 5, 32, 32}, {32});
    x = conv_relu(x, {5, 5, 32, 32}, {32});
  } catch (const vs::ValueError& e) {
    std::printf("  ValueError: %s\n", first_line(e).c_str());
  }

  std::printf(
      "\nmy_image_filter under one common scope \"model\", the second call with reuse=True\n");
  vs::Output output1, output2;
  {
    vs::VariableScope model{"model"};
    output1 = my_image_filter(image1);
  }
  {
    vs::VariableScope model{"model", {.reuse = true}};
    output2 = my_image_filter(image2);
  }

  std::printf("\nvariables (the failed attempt left attempt/*):\n");
  for (const vs::Variable& v : vs::global_variables()) {
    std::printf("  %-24s %s\n", v.name().c_str(), v.shape().to_string().c_str());
  }

  std::printf("\nops of each call, and the filter each Conv2D reads:\n");
  for (const vs::Node* node : g.nodes()) {
    if (node->op() == "Conv2D") {
      std::printf("  %-22s filter %s\n", node->name().c_str(), node->inputs()[1].name().c_str());
    }
  }
  std::printf("  %-22s %s\n", "output1", output1.name().c_str());
  std::printf("  %-22s %s\n", "output2", output2.name().c_str());

  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  const vs::FeedDict feed = {{image1, vs::Tensor::filled(vs::float32, {1, 10, 10, 32}, 0.1)},
                             {image2, vs::Tensor::filled(vs::float32, {1, 20, 20, 32}, 0.1)}};
  std::vector<vs::Tensor> out = sess.run({output1, output2}, feed);
  std::printf("\nrun: output1 %s, output2 %s\n", out[0].shape().to_string().c_str(),
              out[1].shape().to_string().c_str());

  // One assignment to the shared conv2 variables changes both outputs.
  vs::Output zero_weights =
      vs::assign(variable_named("model/conv2/weights"), vs::zeros({5, 5, 32, 32}));
  vs::Output half_biases = vs::assign(variable_named("model/conv2/biases"),
                                      vs::fill({32}, vs::constant(0.5, vs::float32)));
  sess.run_targets({zero_weights.node, half_biases.node});
  out = sess.run({output1, output2}, feed);
  std::printf("after model/conv2/weights = 0, model/conv2/biases = 0.5:\n");
  std::printf("  every element of output1 is 0.5: %s\n", all_equal(out[0], 0.5f) ? "yes" : "no");
  std::printf("  every element of output2 is 0.5: %s\n", all_equal(out[1], 0.5f) ? "yes" : "no");
  return 0;
}
