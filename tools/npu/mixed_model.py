#!/usr/bin/env python3
"""Writes a small int8 model whose layers Vela splits between the Ethos-U and the CPU:
CONV_2D -> GATHER (channels, which the Ethos-U55 does not run) -> CONV_2D -> ADD of the
first conv's output (a tensor that crosses the CPU run) -> output. Used by
`compiler/tests/npu_offload.rs` to test models of alternating NPU and CPU steps.

Usage: mixed_model.py OUT.tflite
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "oracle"))
import tflbuild as tb  # noqa: E402


def conv(m, rng, name, x, x_scale, shape_in, cout):
    cin = shape_in[3]
    w = tb.symmetric_weights(rng, [cout, 3, 3, cin], axis=0)
    w_s = np.full(cout, 0.02, dtype=np.float32)
    wt = m.const(f"{name}_w", w, w_s, 0, axis=0)
    bias = m.const(f"{name}_b", rng.integers(-500, 500, size=cout).astype(np.int32), x_scale * w_s, 0)
    out_s, out_zp = tb.quant_params(-6.0, 6.0)
    y = m.tensor(name, shape_in[:3] + [cout], "int8", out_s, out_zp)
    m.op("CONV_2D", [x, wt, bias], [y], "Conv2DOptions", padding="SAME", stride_w=1, stride_h=1,
         fused_activation_function="RELU")
    return y, out_s


def main(out):
    rng = np.random.default_rng(7)
    m = tb.Model("cargo-tinyml NPU/CPU partition test model")
    in_s, in_zp = tb.quant_params(-1.0, 1.0)
    x = m.tensor("input", [1, 8, 8, 4], "int8", in_s, in_zp)
    a, a_s = conv(m, rng, "conv1", x, in_s, [1, 8, 8, 4], 8)
    idx = m.const("perm", np.array([7, 6, 5, 4, 3, 2, 1, 0], dtype=np.int32))
    g = m.tensor("gathered", [1, 8, 8, 8], "int8", a_s, tb.quant_params(-6.0, 6.0)[1])
    m.op("GATHER", [a, idx], [g], "GatherOptions", axis=3, batch_dims=0)
    b, b_s = conv(m, rng, "conv2", g, a_s, [1, 8, 8, 8], 8)
    sum_s, sum_zp = tb.quant_params(-12.0, 12.0)
    y = m.tensor("output", [1, 8, 8, 8], "int8", sum_s, sum_zp)
    m.op("ADD", [a, b], [y], "AddOptions", fused_activation_function="NONE")
    Path(out).write_bytes(m.build([x], [y]))


if __name__ == "__main__":
    main(sys.argv[1])
