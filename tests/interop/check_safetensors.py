"""Checkpoints written by varscope load in Python's safetensors package, and the other way round.

Run by ctest as: check_safetensors.py <write_checkpoint program> <scratch dir>.
Exits 77 (reported as skipped) when numpy or safetensors cannot be imported.
"""
import json
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    from safetensors import safe_open
    from safetensors.numpy import load_file, save_file
except ImportError as error:
    print(f"skipped: {error} (pip install safetensors numpy; scripts/test does it when PyPI is reachable)")
    sys.exit(77)

NUMPY_DTYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "int64": np.int64,
                "bool": np.bool_, "float16": np.float16}


def run(program, *args):
    result = subprocess.run([program, *args], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"{program} {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return json.loads(result.stdout)


def check_equal(name, array, described):
    assert array.dtype == NUMPY_DTYPES[described["dtype"]], f"{name}: dtype {array.dtype} vs {described['dtype']}"
    assert list(array.shape) == described["shape"], f"{name}: shape {array.shape} vs {described['shape']}"
    values = array.astype(np.float64).ravel()
    assert np.array_equal(values, np.array(described["values"], dtype=np.float64)), \
        f"{name}: {values} vs {described['values']}"


def main():
    program, scratch = sys.argv[1], sys.argv[2]
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)

    # varscope -> safetensors
    saved = run(program, "save", scratch)
    path = os.path.join(scratch, "model-7.safetensors")
    loaded = load_file(path)
    assert sorted(loaded) == sorted(saved), f"keys {sorted(loaded)} vs {sorted(saved)}"
    for name, described in saved.items():
        check_equal(name, loaded[name], described)
    # The values follow the program's formulas (not just its own echo of them).
    assert np.array_equal(loaded["model/conv1/weights"].ravel(), -1.5 + 0.25 * np.arange(12, dtype=np.float32))
    assert np.array_equal(loaded["model/table"], np.arange(10, dtype=np.float32).reshape(5, 2))
    assert loaded["model/step"].shape == () and loaded["model/step"] == 7
    assert loaded["model/mask"].tolist() == [True, False, True]
    with safe_open(path, framework="np") as f:
        assert f.metadata() == {"framework": "varscope", "global_step": "7"}, f.metadata()

    # safetensors -> varscope: new values, written by the reference writer, restored by Saver.
    changed = {}
    for name, array in loaded.items():
        changed[name] = np.asarray(~array if array.dtype == np.bool_ else (array * 2 + 1).astype(array.dtype))
    other = os.path.join(scratch, "from_python.safetensors")
    save_file(changed, other)
    restored = run(program, "load", other)
    for name, array in changed.items():
        check_equal(name, array, restored[name])
    print(f"ok: {len(saved)} tensors read by safetensors {__import__('safetensors').__version__}, "
          f"and {len(changed)} written by it restored by varscope")


if __name__ == "__main__":
    main()
