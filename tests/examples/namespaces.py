# The TensorFlow 1 program examples/namespaces.cpp mirrors; its output is namespaces.expected, which
# ctest compares with the C++ program's. Reference only, never run by CI: regenerate with
#   /tmp/tfenv/bin/python tests/examples/namespaces.py 2>/dev/null > tests/examples/namespaces.expected
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()  # graph mode, reference variables (VariableV2), as varscope builds them


def shape_str(shape):
    dims = shape.as_list()
    if len(dims) == 1:
        return "(%s,)" % ("?" if dims[0] is None else dims[0])
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


def show(label, tensor):
    print("  %-44s %s" % (label, tensor.name))


def show_variable(v):
    print("  %-16s shape %-8s ops %s, %s, %s" %
          (v.name, shape_str(v.shape), v.op.name, v.initializer.name, v.value().op.name))


g = tf.Graph()
with g.as_default():
    print("1. Ops are named after their type, made unique in the graph:")
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    show("tf.constant(1.0)", a)
    show("tf.constant(2.0)", b)
    show("tf.add(a, b)", tf.add(a, b))
    show("a + b", a + b)
    show("a + b", a + b)
    show("tf.add(a, b, name='sum')", tf.add(a, b, name="sum"))
    show("tf.add(a, b, name='Sum')  (case-insensitive)", tf.add(a, b, name="Sum"))

    print("\n2. tf.name_scope prefixes op names; opening a name again makes a new scope:")
    with tf.name_scope("block") as scope:
        print("  %-44s %s" % ("scope", scope))
        show("tf.add(a, b)", tf.add(a, b))
        with tf.name_scope("inner"):
            show("tf.multiply(a, b)", tf.multiply(a, b))
    with tf.name_scope("block") as scope:
        print("  %-44s %s" % ("scope (again)", scope))
        show("tf.add(a, b)", tf.add(a, b))
    with tf.name_scope("block/"):
        show("tf.add(a, b) in 'block/' (re-entered)", tf.add(a, b))

    print("\n3. tf.variable_scope names variables (and opens a name scope for ops):")
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [2, 3])
        b2 = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        y = tf.matmul(x, w) + b2
        show_variable(w)
        show_variable(b2)
        show("x (placeholder)", x)
        show("tf.matmul(x, w) + b", y)
        print("  %-44s %s" % ("w initializer", w.initial_value.name))

    print("\n4. Re-entering a variable scope by name: variables keep the name, ops get a new scope:")
    with tf.variable_scope("layer", reuse=True):
        w_again = tf.get_variable("w", [2, 3])
        y_again = tf.matmul(x, w_again)
        print("  %-44s %s (same variable: %s)" % ("get_variable('w')", w_again.name,
                                                  "yes" if w_again is w else "no"))
        show("tf.matmul(x, w)", y_again)

    print("\n5. tf.Variable follows the name scope, like any op:")
    with tf.name_scope("block"):
        v = tf.Variable(tf.zeros([2]), name="v")
        show_variable(v)

    print("\nglobal variables:")
    for var in tf.global_variables():
        print("  %s" % var.name)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        out = sess.run(y, {x: [[1.0, 0.0], [0.0, 1.0]]})
        wv = sess.run(w)
        print("\nrun: x = identity rows, so matmul(x, w) + b gives back the rows of w: %s" %
              ("yes" if (out == wv).all() else "no"))
