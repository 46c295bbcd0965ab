# The TensorFlow 1 program examples/sharing_reuse.cpp mirrors; its output is sharing_reuse.expected,
# which ctest compares with the C++ program's. Reference only, never run by CI: regenerate with
#   /tmp/tfenv/bin/python tests/examples/sharing_reuse.py 2>/dev/null > tests/examples/sharing_reuse.expected
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


def dense(x, units):
    """A layer whose variables are named by the caller's variable scope."""
    w = tf.get_variable("weights", [3, units], initializer=tf.constant_initializer(0.5))
    b = tf.get_variable("biases", [units], initializer=tf.zeros_initializer())
    return tf.matmul(x, w) + b


def first_line(error):
    return str(error).split("\n")[0]


def values(outputs, ys):
    return ", ".join("%s = [%s]" % (y.op.name, ", ".join("%g" % e for e in ys[i][0]))
                     for i, y in enumerate(outputs))


def report(g, outputs, x):
    variables = g.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)
    for v in variables:
        print("  variable %-16s %s" % (v.name, shape_str(v.shape)))
    for y in outputs:
        print("  output   %s" % y.name)
    with tf.Session(graph=g) as sess:
        sess.run(tf.global_variables_initializer())
        feed = {x: np.array([[1, 2, 3]], np.float32)}
        print("  run, x = [1, 2, 3]:  " + values(outputs, sess.run(outputs, feed)))
        sess.run(tf.assign_add(variables[0], tf.ones([3, 2])))
        print("  after weights += 1: " + values(outputs, sess.run(outputs, feed)))


print("1. reuse=True when re-opening the scope")
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("dense"):
        y1 = dense(x, 2)
    with tf.variable_scope("dense", reuse=True):
        y2 = dense(x, 2)
    report(g, [y1, y2], x)

print("\n2. scope.reuse_variables() inside the scope")
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("dense") as scope:
        y1 = dense(x, 2)
        scope.reuse_variables()
        y2 = dense(x, 2)
    report(g, [y1, y2], x)

print("\n3. re-entering the captured scope object with reuse=True")
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("dense") as scope:
        y1 = dense(x, 2)
    with tf.variable_scope(scope, reuse=True):
        y2 = dense(x, 2)
    report(g, [y1, y2], x)

print("\n4. reuse used wrongly")
g = tf.Graph()
with g.as_default():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("dense"):
        dense(x, 2)
    try:
        with tf.variable_scope("dense"):  # no reuse: the second call would create again
            dense(x, 2)
    except ValueError as e:
        print("  without reuse:       ValueError: %s" % first_line(e))
    try:
        with tf.variable_scope("other", reuse=True):  # reuse, but nothing to reuse
            dense(x, 2)
    except ValueError as e:
        print("  reuse, no variable:  ValueError: %s" % first_line(e))
    try:
        with tf.variable_scope("dense", reuse=True):  # reuse with another shape
            dense(x, 4)
    except ValueError as e:
        print("  reuse, other shape:  ValueError: %s" % first_line(e))
    print("  variables after the errors: %s" % ", ".join(v.name for v in tf.global_variables()))
