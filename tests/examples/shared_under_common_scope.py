# The TensorFlow 1 program examples/shared_under_common_scope.cpp mirrors (the "my_image_filter"
# example of TensorFlow's variable guide); its output is shared_under_common_scope.expected, which
# ctest compares with the C++ program's. Reference only, never run by CI: regenerate with
#   /tmp/tfenv/bin/python tests/examples/shared_under_common_scope.py 2>/dev/null \
#     > tests/examples/shared_under_common_scope.expected
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()  # graph mode, reference variables (VariableV2), as varscope builds them


def shape_str(shape):
    dims = list(shape)
    if len(dims) == 1:
        return "(%s,)" % ("?" if dims[0] is None else dims[0])
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


def first_line(error):
    return str(error).split("\n")[0]


def conv_relu(inp, kernel_shape, bias_shape):
    # Variables named "weights" and "biases" inside whatever variable scope the caller opened.
    weights = tf.get_variable("weights", kernel_shape, initializer=tf.random_normal_initializer())
    biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(inp, weights, strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu(tf.nn.bias_add(conv, biases))


def my_image_filter(input_images):
    with tf.variable_scope("conv1"):
        # Variables created here are named "conv1/weights", "conv1/biases".
        relu1 = conv_relu(input_images, [5, 5, 32, 32], [32])
    with tf.variable_scope("conv2"):
        # Variables created here are named "conv2/weights", "conv2/biases".
        return conv_relu(relu1, [5, 5, 32, 32], [32])


g = tf.Graph()
with g.as_default():
    tf.set_random_seed(7)
    image1 = tf.placeholder(tf.float32, [1, 10, 10, 32], name="image1")
    image2 = tf.placeholder(tf.float32, [1, 20, 20, 32], name="image2")

    print("Calling conv_relu twice in one scope fails: both calls want the same names")
    try:
        with tf.variable_scope("attempt"):
            x = conv_relu(image1, [5, 5, 32, 32], [32])
            x = conv_relu(x, [5, 5, 32, 32], [32])
    except ValueError as e:
        print("  ValueError: %s" % first_line(e))

    print("\nmy_image_filter under one common scope \"model\", the second call with reuse=True")
    with tf.variable_scope("model"):
        output1 = my_image_filter(image1)
    with tf.variable_scope("model", reuse=True):
        output2 = my_image_filter(image2)

    print("\nvariables (the failed attempt left attempt/*):")
    for v in tf.global_variables():
        print("  %-24s %s" % (v.name, shape_str(v.shape.as_list())))

    print("\nops of each call, and the filter each Conv2D reads:")
    for op in g.get_operations():
        if op.type == "Conv2D":
            print("  %-22s filter %s" % (op.name, op.inputs[1].name))
    print("  %-22s %s" % ("output1", output1.name))
    print("  %-22s %s" % ("output2", output2.name))

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        feed = {image1: np.full([1, 10, 10, 32], 0.1, np.float32),
                image2: np.full([1, 20, 20, 32], 0.1, np.float32)}
        out1, out2 = sess.run([output1, output2], feed)
        print("\nrun: output1 %s, output2 %s" % (shape_str(out1.shape), shape_str(out2.shape)))
        # One assignment to the shared conv2 variables changes both outputs.
        w2 = [v for v in tf.global_variables() if v.op.name == "model/conv2/weights"][0]
        b2 = [v for v in tf.global_variables() if v.op.name == "model/conv2/biases"][0]
        sess.run([tf.assign(w2, tf.zeros([5, 5, 32, 32])), tf.assign(b2, tf.fill([32], 0.5))])
        out1, out2 = sess.run([output1, output2], feed)
        print("after model/conv2/weights = 0, model/conv2/biases = 0.5:")
        print("  every element of output1 is 0.5: %s" % ("yes" if (out1 == 0.5).all() else "no"))
        print("  every element of output2 is 0.5: %s" % ("yes" if (out2 == 0.5).all() else "no"))
