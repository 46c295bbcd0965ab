#!/usr/bin/env python3
"""Reads an event file written by varscope with TensorBoard's own reader (EventAccumulator).

    check_tensorboard.py <write_events program> <scratch dir>

Runs the program into the scratch dir (emptied first), then checks what TensorBoard loads: the
file version, the scalar curves (tags, steps, float32 values) and the graph (node names with their
scopes, op types, inputs with ":k" and "^control", attrs, and `_output_shapes` with -1 for the
unknown batch dimension). Exits 77 (skipped) when the tensorboard package is missing.
"""
import os
import shutil
import struct
import subprocess
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator
except ImportError as error:
    print(f"SKIP: cannot import tensorboard ({error}); pip install tensorboard to run this check")
    sys.exit(77)

failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def as_float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def main():
    writer, scratch = sys.argv[1], sys.argv[2]
    shutil.rmtree(scratch, ignore_errors=True)
    logdir = os.path.join(scratch, "run")
    result = subprocess.run([writer, logdir], capture_output=True, text=True)
    if result.returncode != 0:
        print(f"FAIL  {writer} exited with {result.returncode}: {result.stderr.strip()}")
        return 1
    path = result.stdout.strip()
    print(f"event file: {path}")
    check(os.path.dirname(path) == logdir, "the event file is in the log directory")
    check(os.path.basename(path).startswith("events.out.tfevents."), "events.out.tfevents.* file name")

    size_guidance = {kind: 0 for kind in event_accumulator.DEFAULT_SIZE_GUIDANCE}
    size_guidance[event_accumulator.GRAPH] = 0
    acc = event_accumulator.EventAccumulator(logdir, size_guidance=size_guidance)
    acc.Reload()

    check(acc.file_version == 2.0, f"file_version brain.Event:2 (read {acc.file_version})")
    tags = acc.Tags()
    check(sorted(tags["scalars"]) == ["accuracy", "loss"], f"scalar tags {sorted(tags['scalars'])}")
    check(tags["graph"] is True, "a graph is present")

    for tag, expected in (("loss", lambda s: 1.0 / (s + 1)), ("accuracy", lambda s: s / 10.0)):
        events = acc.Scalars(tag)
        check([e.step for e in events] == list(range(10)), f"{tag}: steps 0..9")
        check([e.value for e in events] == [as_float32(expected(s)) for s in range(10)],
              f"{tag}: values {[round(e.value, 4) for e in events]}")

    graph = acc.Graph()
    nodes = {node.name: node for node in graph.node}
    expected_ops = {
        "images": "Placeholder",
        "tower_0/conv1/weights": "VariableV2",
        "tower_0/conv1/weights/read": "Identity",
        "tower_0/conv1/biases": "VariableV2",
        "tower_0/conv1/Conv2D": "Conv2D",
        "tower_0/conv1/BiasAdd": "BiasAdd",
        "tower_0/conv1/Relu": "Relu",
        "tower_0/shapes": "ShapeN",
        "tower_0/activation_shape": "Identity",
        "tower_0/output": "Identity",
    }
    for name, op in expected_ops.items():
        check(name in nodes and nodes[name].op == op, f"node {name} ({op})")
    if failures:
        return 1

    def inputs(name):
        return list(nodes[name].input)

    check(inputs("tower_0/conv1/Conv2D") == ["images", "tower_0/conv1/weights/read"], "Conv2D inputs")
    check(inputs("tower_0/conv1/BiasAdd") == ["tower_0/conv1/Conv2D", "tower_0/conv1/biases/read"],
          "BiasAdd inputs")
    check(inputs("tower_0/activation_shape") == ["tower_0/shapes:1"], "input of output 1: 'tower_0/shapes:1'")
    check(inputs("tower_0/output") == ["tower_0/conv1/Relu", "^tower_0/conv1/weights/Assign"],
          "control input '^tower_0/conv1/weights/Assign' after the data input")

    conv = nodes["tower_0/conv1/Conv2D"].attr
    check(conv["T"].type == 1, "Conv2D T = DT_FLOAT")
    check(list(conv["strides"].list.i) == [1, 1, 1, 1], "Conv2D strides list [1, 1, 1, 1]")
    check(conv["padding"].s == b"SAME", "Conv2D padding 'SAME'")
    check(nodes["tower_0/conv1/weights"].attr["dtype"].type == 1, "VariableV2 dtype = DT_FLOAT")
    check(list(nodes["tower_0/conv1/weights/read"].attr["_class"].list.s) == [b"loc:@tower_0/conv1/weights"],
          "read colocated with its variable (_class)")

    def output_shapes(name):
        shapes = nodes[name].attr["_output_shapes"].list.shape
        return [None if s.unknown_rank else [d.size for d in s.dim] for s in shapes]

    check(output_shapes("images") == [[-1, 8, 8, 3]], f"images _output_shapes {output_shapes('images')}")
    check(output_shapes("tower_0/conv1/Relu") == [[-1, 8, 8, 4]],
          f"Relu _output_shapes {output_shapes('tower_0/conv1/Relu')}")
    check(output_shapes("tower_0/conv1/weights") == [[3, 3, 3, 4]],
          f"weights _output_shapes {output_shapes('tower_0/conv1/weights')}")
    check(output_shapes("tower_0/shapes") == [[4], [4]], f"ShapeN _output_shapes {output_shapes('tower_0/shapes')}")

    print(f"{len(failures)} failure(s)" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
