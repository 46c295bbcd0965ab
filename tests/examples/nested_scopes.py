# The TensorFlow 1 program examples/nested_scopes.cpp mirrors; its output is nested_scopes.expected,
# which ctest compares with the C++ program's. Reference only, never run by CI: regenerate with
#   /tmp/tfenv/bin/python tests/examples/nested_scopes.py 2>/dev/null > tests/examples/nested_scopes.expected
import os

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow.compat.v1 as tf

tf.disable_v2_behavior()  # graph mode, reference variables (VariableV2), as varscope builds them


def reuse_str(reuse):
    return "AUTO_REUSE" if reuse is tf.AUTO_REUSE else str(bool(reuse))


def show_scope(depth, label):
    s = tf.get_variable_scope()
    print("  %-28s name %-18s reuse %s" % ("  " * depth + label, "'%s'" % s.name, reuse_str(s.reuse)))


g = tf.Graph()
with g.as_default():
    print("1. Nested variable scopes join their names")
    with tf.variable_scope("foo"):
        with tf.variable_scope("bar"):
            v = tf.get_variable("v", [1])
            x = v * 2.0
    print("  %-28s %s" % ("get_variable('v')", v.name))
    print("  %-28s %s" % ("v * 2.0", x.name))

    print("\n2. Reuse is inherited by inner scopes and cannot be switched off below")
    with tf.variable_scope("root"):
        show_scope(0, "root")
        with tf.variable_scope("foo"):
            show_scope(1, "foo")
        with tf.variable_scope("foo", reuse=True):
            show_scope(1, "foo, reuse=True")
            with tf.variable_scope("bar"):
                show_scope(2, "bar")
            with tf.variable_scope("baz", reuse=False):
                show_scope(2, "baz, reuse=False")
        with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
            show_scope(1, "auto, reuse=AUTO_REUSE")
            with tf.variable_scope("inner"):
                show_scope(2, "inner")
        show_scope(0, "root (after)")

    print("\n3. get_variable_scope().reuse_variables() turns reuse on for the rest of the scope")
    with tf.variable_scope("counter"):
        c = tf.get_variable("c", [], initializer=tf.zeros_initializer())
        tf.get_variable_scope().reuse_variables()
        c1 = tf.get_variable("c", [])
        print("  %-28s %s, %s (same: %s)" % ("get_variable('c') twice", c.name, c1.name,
                                             "yes" if c1 is c else "no"))
    with tf.variable_scope("counter"):
        show_scope(0, "counter (opened again)")

    print("\n4. A captured scope object can be re-entered from anywhere")
    with tf.variable_scope("model") as model_scope:
        w = tf.get_variable("w", [2], initializer=tf.constant_initializer(1.5))
    print("  %-28s name '%s', original name scope '%s'" % ("captured", model_scope.name,
                                                           model_scope.original_name_scope))
    with tf.variable_scope("other"):
        with tf.variable_scope("deep") as deep:
            print("  %-28s name '%s'" % ("other/deep", deep.name))
            with tf.variable_scope(model_scope) as again:
                b = tf.get_variable("b", [2], initializer=tf.constant_initializer(0.25))
                y = w + b
                print("  %-28s name '%s' (not other/deep/model)" % ("re-entered inside it", again.name))
                print("  %-28s %s" % ("new variable", b.name))
                print("  %-28s %s" % ("w + b", y.name))
    with tf.variable_scope(model_scope, reuse=True):
        w1 = tf.get_variable("w", [2])
        b1 = tf.get_variable("b", [2])
        z = w1 * b1
        print("  %-28s %s, %s (same: %s)" % ("reused", w1.name, b1.name,
                                             "yes" if (w1 is w and b1 is b) else "no"))
        print("  %-28s %s" % ("w * b", z.name))

    print("\n5. Scope initializers are inherited by inner scopes")
    with tf.variable_scope("init", initializer=tf.constant_initializer(0.4)):
        p = tf.get_variable("p", [1])
        with tf.variable_scope("inner"):
            q = tf.get_variable("q", [1])
            r = tf.get_variable("r", [1], initializer=tf.constant_initializer(0.3))
        with tf.variable_scope("override", initializer=tf.constant_initializer(0.2)):
            s = tf.get_variable("s", [1])

    print("\nvariables:")
    for var in tf.global_variables():
        print("  %s" % var.name)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print("\nrun:")
        for t, formula in [(y, "w + b"), (z, "w * b")]:
            print("  %-28s %-6s = [%s]" % (t.op.name, formula, ", ".join("%g" % e for e in sess.run(t))))
        for var in [p, q, r, s]:
            print("  %-28s %g" % (var.name, sess.run(var)[0]))
