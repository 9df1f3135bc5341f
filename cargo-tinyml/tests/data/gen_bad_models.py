#!/usr/bin/env python3
"""Writes the models of cargo-tinyml/tests/diagnostics.rs: valid TFLite files that
cargo-tinyml must refuse with a message that matches the cause. Regenerate (needs
`tools/oracle/requirements.txt`):

    python cargo-tinyml/tests/data/gen_bad_models.py cargo-tinyml/tests/data
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../tools/oracle"))
import tflbuild as tb  # noqa: E402


def float_fc() -> bytes:
    """One float32 FULLY_CONNECTED: a model converted without int8 quantization."""
    m = tb.Model("bad model test: float32")
    x = m.tensor("input", [1, 8], "float32")
    w = m.tensor("weights", [4, 8], "float32", data=np.linspace(-1, 1, 32, dtype=np.float32).tobytes())
    y = m.tensor("output", [1, 4], "float32")
    m.op("FULLY_CONNECTED", [x, w, tb.ABSENT], [y], "FullyConnectedOptions")
    return m.build([x], [y])


def many_unsupported() -> bytes:
    """QUANTIZE, then seven REVERSE_V2 and two LOCAL_RESPONSE_NORMALIZATION (TFLM has
    kernels for neither): every one must be named with its count."""
    m = tb.Model("bad model test: unsupported ops")
    x = m.tensor("input", [1, 2, 3, 4], "int8", 0.05, -3)
    q = m.tensor("requantized", [1, 2, 3, 4], "int8", 0.1, 0)
    m.op("QUANTIZE", [x], [q])
    axis = m.const("axis", np.array([3], dtype=np.int32))
    cur = q
    for i in range(7):
        y = m.tensor(f"t{i}", [1, 2, 3, 4], "int8", 0.1, 0)
        m.op("REVERSE_V2", [cur, axis], [y], "ReverseV2Options")
        cur = y
    for i in range(2):
        y = m.tensor(f"n{i}", [1, 2, 3, 4], "int8", 0.1, 0)
        m.op("LOCAL_RESPONSE_NORMALIZATION", [cur], [y], "LocalResponseNormalizationOptions")
        cur = y
    return m.build([x], [cur])


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, build in [("float32_fc", float_fc), ("unsupported_many", many_unsupported)]:
        with open(os.path.join(out, f"{name}.tflite"), "wb") as f:
            f.write(build())
