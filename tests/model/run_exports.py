"""Runs netgrow's ONNX and Keras exports in their own runtimes (onnxruntime, Keras 3 on JAX/CPU)
and prints, per case and format, the largest absolute difference from netgrow's own outputs.

Usage: run_exports.py DIR — DIR/cases.json lists {name, input_shape, batch}; each case has
DIR/<name>/x.bin and y.bin (float32 little-endian, NHWC input, netgrow's output) and
model.onnx / model.keras.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import keras  # noqa: E402


def main(root):
    cases = json.load(open(os.path.join(root, "cases.json")))
    out = {}
    for case in cases:
        d = os.path.join(root, case["name"])
        x = np.fromfile(os.path.join(d, "x.bin"), dtype="<f4").reshape([case["batch"], *case["input_shape"]])
        want = np.fromfile(os.path.join(d, "y.bin"), dtype="<f4").reshape(case["batch"], -1)
        session = ort.InferenceSession(os.path.join(d, "model.onnx"), providers=["CPUExecutionProvider"])
        (got_onnx,) = session.run(None, {session.get_inputs()[0].name: x})
        model = keras.saving.load_model(os.path.join(d, "model.keras"))
        got_keras = keras.ops.convert_to_numpy(model(x, training=False))
        out[case["name"]] = {
            "onnx": {
                "shape": list(got_onnx.shape),
                "max_abs_diff": float(np.abs(got_onnx.reshape(case["batch"], -1) - want).max()),
                "input": session.get_inputs()[0].name,
            },
            "keras": {
                "shape": list(got_keras.shape),
                "max_abs_diff": float(np.abs(got_keras.reshape(case["batch"], -1) - want).max()),
                "layers": len(model.layers),
                "weights": int(sum(np.prod(v.shape) for v in model.weights)),
            },
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
