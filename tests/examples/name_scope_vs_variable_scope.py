# The TensorFlow 1 program examples/name_scope_vs_variable_scope.cpp mirrors; its output is
# name_scope_vs_variable_scope.expected, which ctest compares with the C++ program's. Reference
# only, never run by CI: regenerate with
#   /tmp/tfenv/bin/python tests/examples/name_scope_vs_variable_scope.py 2>/dev/null \
#     > tests/examples/name_scope_vs_variable_scope.expected
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()  # graph mode, reference variables (VariableV2), as varscope builds them


def show(label, name):
    print("  %-40s %s" % (label, name))


g = tf.Graph()
with g.as_default():
    print("1. Under tf.name_scope: get_variable ignores it, tf.Variable and ops take it")
    with tf.name_scope("my_scope"):
        v1 = tf.get_variable("var1", [1], initializer=tf.constant_initializer(1.0))
        v2 = tf.Variable(tf.constant([2.0]), name="var2")
        a = tf.add(v1, v2)
    show("get_variable('var1')", v1.name)
    show("tf.Variable(name='var2')", v2.name)
    show("tf.add(var1, var2)", a.name)

    print("\n2. Under tf.variable_scope: all three take it (its name scope is uniquified)")
    with tf.variable_scope("my_scope"):
        v3 = tf.get_variable("var1", [1], initializer=tf.constant_initializer(3.0))
        v4 = tf.Variable(tf.constant([4.0]), name="var2")
        b = tf.add(v3, v4)
    show("get_variable('var1')", v3.name)
    show("tf.Variable(name='var2')", v4.name)
    show("tf.add(var1, var2)", b.name)

    print("\n3. A name scope inside a variable scope: only ops see it")
    with tf.variable_scope("foo"):
        with tf.name_scope("bar"):
            v = tf.get_variable("v", [1], initializer=tf.constant_initializer(0.5))
            x = 1.0 + v
    show("get_variable('v')", v.name)
    show("1.0 + v", x.name)
    show("its constant 1.0", x.op.inputs[0].name)

    print("\n4. A variable scope inside a name scope: ops get both, variables only the variable scope")
    with tf.name_scope("ns"):
        with tf.variable_scope("vs"):
            w = tf.get_variable("w", [], initializer=tf.constant_initializer(3.0))
            y = w * 2.0
    show("get_variable('w')", w.name)
    show("w * 2.0", y.name)
    show("w's initializer", w.initializer.name)

    print("\n5. Sharing works through the variable scope, whatever the name scope")
    with tf.name_scope("another_name_scope"):
        with tf.variable_scope("foo", reuse=True):
            v_again = tf.get_variable("v", [1])
            z = v_again * 10.0
    show("get_variable('v') again", "%s (same variable: %s)" % (v_again.name, "yes" if v_again is v else "no"))
    show("v * 10.0", z.name)

    print("\nvariables in the graph:")
    for var in tf.global_variables():
        print("  %s" % var.name)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values = sess.run([a, b, x, y, z])
        print("\nrun:")
        for tensor, formula, value in zip([a, b, x, y, z],
                                          ["1 + 2", "3 + 4", "1 + 0.5", "3 * 2", "0.5 * 10"], values):
            show("%s = %s" % (tensor.op.name, formula), "%g" % value.reshape(-1)[0])
