# The TensorFlow 1 program examples/auto_reuse_towers.cpp mirrors; its output is
# auto_reuse_towers.expected, which ctest compares with the C++ program's. Reference only, never run
# by CI: regenerate with
#   /tmp/tfenv/bin/python tests/examples/auto_reuse_towers.py 2>/dev/null \
#     > tests/examples/auto_reuse_towers.expected
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()  # graph mode, reference variables (VariableV2), as varscope builds them


def shape_str(shape):
    dims = shape.as_list()
    if len(dims) == 1:
        return "(%s,)" % ("?" if dims[0] is None else dims[0])
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


towers = 2
g = tf.Graph()
with g.as_default():
    tf.set_random_seed(42)
    x = tf.placeholder(tf.float32, [None, 4], name="x")

    def tower(inp):
        with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
            # An op seed, so the values do not depend on how TF numbers seedless random ops.
            w = tf.get_variable("w", [4], initializer=tf.glorot_uniform_initializer(seed=1))
            b = tf.get_variable("b", [1], initializer=tf.zeros_initializer())
            return tf.reduce_sum(inp * w, axis=1) + b

    outputs = [tower(x) for _ in range(towers)]

    print("%d towers, %d variables\n" % (towers, len(tf.global_variables())))
    print("%-12s %-8s %-8s %-9s %s" % ("variable", "shape", "dtype", "trainable", "initializer op"))
    trainable = set(tf.trainable_variables())
    for v in tf.global_variables():
        print("%-12s %-8s %-8s %-9s %s" % (v.name, shape_str(v.shape), v.dtype.base_dtype.name,
                                           "yes" if v in trainable else "no", v.initial_value.name))
    print("\ntower outputs (ops live in one name scope per tower):")
    for y in outputs:
        print("  %s" % y.name)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print("\nvalues:")
        for v in tf.global_variables():
            print("  %-12s" % v.name + "".join(" % .6f" % value for value in sess.run(v.value())))
        feed = np.array([[1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5]], np.float32)
        ys = sess.run(outputs, {x: feed})
        print("\nevery tower computes the same function of x:")
        for i, y in enumerate(ys):
            print("  tower %d: [% .6f, % .6f]" % (i, y[0], y[1]))
        nbytes = sum(sess.run(v.value()).nbytes for v in tf.global_variables())
        print("\nVariable bytes held: %d (one set: 4 + 1 floats = 20 bytes)" % nbytes)
