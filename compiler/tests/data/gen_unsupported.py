#!/usr/bin/env python3
"""Writes the models of compiler/tests/unsupported_op.rs: valid TFLite files whose second
operator is one cargo-tinyml does not implement, so the error must name it, its index
and its tensors. Regenerate (needs `tools/oracle/requirements.txt`):

    python compiler/tests/data/gen_unsupported.py compiler/tests/data
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../tools/oracle"))
import tflbuild as tb  # noqa: E402


def reverse() -> bytes:
    """QUANTIZE (supported) then REVERSE_V2 (not; TFLM has no kernel) with a constant axis."""
    m = tb.Model("unsupported op test: REVERSE_V2")
    x = m.tensor("input", [1, 2, 3, 4], "int8", 0.05, -3)
    q = m.tensor("requantized", [1, 2, 3, 4], "int8", 0.1, 0)
    axis = m.const("axis", np.array([3], dtype=np.int32))
    y = m.tensor("reversed", [1, 2, 3, 4], "int8", 0.1, 0)
    m.op("QUANTIZE", [x], [q])
    m.op("REVERSE_V2", [q, axis], [y], "ReverseV2Options")
    return m.build([x], [y])


def local_response_normalization() -> bytes:
    """FULLY_CONNECTED (supported) then LOCAL_RESPONSE_NORMALIZATION (not; TFLM has no
    kernel for it either)."""
    m = tb.Model("unsupported op test: LOCAL_RESPONSE_NORMALIZATION")
    x = m.tensor("input", [1, 8], "int8", 0.05, 0)
    w = m.const("weights", np.arange(-16, 16, dtype=np.int8).reshape(4, 8), 0.02, 0)
    h = m.tensor("hidden", [1, 4], "int8", 0.1, 0)
    y = m.tensor("normalized", [1, 4], "int8", 0.1, 0)
    m.op("FULLY_CONNECTED", [x, w, tb.ABSENT], [h], "FullyConnectedOptions")
    m.op("LOCAL_RESPONSE_NORMALIZATION", [h], [y], "LocalResponseNormalizationOptions")
    return m.build([x], [y])


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, build in [
        ("unsupported_reverse", reverse),
        ("unsupported_local_response_normalization", local_response_normalization),
    ]:
        with open(os.path.join(out, f"{name}.tflite"), "wb") as f:
            f.write(build())
