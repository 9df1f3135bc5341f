"""Single-layer int8 models over a grid of shapes, for the shape-sweep benchmark
(`cargo run -p tinyml-bench --release -- sweep`, see docs/benchmarks.md).

Writes one `.tflite` per cell under `--out` and `manifest.json` beside them: for each
cell its name, family, model file, the parameters it varies and the two figures the
benchmark derives its bounds from (`fan_in`: products summed into each output, 0 for
operators without MACs; `elements`: output elements).

The models come from the oracle's builders (`cases_nn._conv_like`, `cases_nn._pool`,
`cases_shape._concat`), so their quantization looks like a converter's; each cell draws
its random weights and ranges from a generator seeded by its name, so the files are the
same on every run.

The grid (see `--help` for the families):
- CONV_2D: input channels 1, 3, 5, 8, 12, 16, 24, 40, 64, 100; output channels the input
  channels clamped to [8, 16] (first layers widen, bottlenecks narrow, and the weights of
  the whole grid stay under a megabyte); kernels 1x1, 3x3, 5x3, 7x1; stride 1 and 2;
  SAME and VALID; dilation 1 and 2 (1x1 kernels: 1 only, dilation changes nothing).
- DEPTHWISE_CONV_2D: the same channels, kernels, strides, paddings and dilations with
  multiplier 1, plus multiplier 2 on 1, 3, 8 and 16 channels (3x3, SAME, dilation 1).
- The output of a convolution is about 50,000 / (MACs per output pixel) pixels, at least
  16 and at most 4,096, so a cell is a few thousand to a few hundred thousand MACs.
- ADD, SUB, MUL: 16 to 65,536 elements in powers of 4, both operands variable, same
  shape ([1, n/16, 16]) and a per-channel broadcast ([1, n/16, 16] with [1, 1, 16]).
- AVERAGE_POOL_2D, MAX_POOL_2D (2x2 stride 2 VALID, 3x3 stride 1 SAME on 1, 8, 16, 64
  channels) and CONCATENATION (four shapes).
- The activations that run as layers of their own (`activation`): RELU, RELU6,
  LEAKY_RELU (alpha 0.2), HARD_SWISH, LOGISTIC and TANH on 16, 256, 4,096 and 65,536
  elements ([1, n/16, 16]), with the oracle's random input quantization.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tflbuild as tb  # noqa: E402
from casekit import float_range, random_tensor  # noqa: E402
from cases_elementwise import _relu_like, _unary_fixed  # noqa: E402
from cases_nn import _conv_like, _pool  # noqa: E402
from cases_shape import _concat  # noqa: E402

#: Manifest format version (the Rust reader checks it).
VERSION = 1

CHANNELS = [1, 3, 5, 8, 12, 16, 24, 40, 64, 100]
KERNELS = [(1, 1), (3, 3), (5, 3), (7, 1)]
#: MACs a convolution cell aims at, and its output pixels' bounds.
TARGET_MACS = 50_000
MIN_PIXELS, MAX_PIXELS = 16, 4096
ELEMENTWISE_SIZES = [16 * 4**k for k in range(7)]  # 16 .. 65,536
FAMILIES = ["conv", "depthwise", "add", "sub", "mul", "avgpool", "maxpool", "concat", "activation"]
ACTIVATIONS = ["RELU", "RELU6", "LEAKY_RELU", "HARD_SWISH", "LOGISTIC", "TANH"]
ACTIVATION_SIZES = [16, 256, 4096, 65536]


def conv_out_channels(cin: int) -> int:
    """The output channels of a CONV_2D cell: the input channels clamped to [8, 16]."""
    return min(max(cin, 8), 16)


def _output_hw(per_pixel: int) -> tuple[int, int]:
    pixels = min(max(round(TARGET_MACS / per_pixel), MIN_PIXELS), MAX_PIXELS)
    oh = max(1, round(math.sqrt(pixels)))
    return oh, math.ceil(pixels / oh)


def _input_extent(out: int, kernel: int, stride: int, dilation: int, pad: str) -> int:
    if pad == "SAME":
        return out * stride
    return (out - 1) * stride + (kernel - 1) * dilation + 1


def _conv_cell(family, cin, kh, kw, stride, pad, dil, mult=1, column=False):
    """One CONV_2D or DEPTHWISE_CONV_2D cell; `column`: an output one pixel wide (the
    1-D layers of audio models, time along the height)."""
    depthwise = family == "depthwise"
    cout = cin * mult if depthwise else conv_out_channels(cin)
    fan_in = kh * kw * (1 if depthwise else cin)
    oh, ow = _output_hw(fan_in * cout)
    if column:
        oh, ow = oh * ow, 1
    # A column strides along its height only.
    sw = 1 if column else stride
    h = _input_extent(oh, kh, stride, dil, pad)
    w = _input_extent(ow, kw, sw, dil, pad)
    assert tb.conv_output_size(h, kh, stride, dil, pad) == oh and tb.conv_output_size(w, kw, sw, dil, pad) == ow
    p = dict(
        h=h, w=w, cin=cin, cout=cout, mult=mult, kh=kh, kw=kw, sh=stride, sw=sw, pad=pad, dh=dil, dw=dil,
        act="NONE", bias=True, per_channel=True, batch=1, dtype="int8",
    )
    chans = f"c{cin}x{mult}" if depthwise else f"c{cin}to{cout}"
    name = f"{family}_k{kh}x{kw}_s{stride}_{pad.lower()}_d{dil}_{chans}_in{h}x{w}"
    params = dict(
        op="DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", in_channels=cin, out_channels=cout, multiplier=mult,
        kernel=[kh, kw], stride=stride, padding=pad, dilation=dil, input=[1, h, w, cin], output=[1, oh, ow, cout],
    )
    return name, params, fan_in, oh * ow * cout, lambda rng: _conv_like(rng, p, depthwise)[0]


def conv_cells(family):
    cells = []
    for cin in CHANNELS:
        for kh, kw in KERNELS:
            for stride in (1, 2):
                for pad in ("SAME", "VALID"):
                    for dil in (1, 2) if (kh, kw) != (1, 1) else (1,):
                        cells.append(_conv_cell(family, cin, kh, kw, stride, pad, dil))
    if family == "depthwise":
        for cin in (1, 3, 8, 16):
            for stride in (1, 2):
                cells.append(_conv_cell(family, cin, 3, 3, stride, "SAME", 1, mult=2))
    # 1-D layers (a 7x1 window down a column one pixel wide), as audio models have them.
    for cin in CHANNELS:
        for stride in (1, 2):
            cells.append(_conv_cell(family, cin, 7, 1, stride, "SAME", 1, column=True))
    return cells


def _binary(rng, op, a_shape, b_shape):
    """ADD, SUB or MUL of two variable int8 inputs, independent scales."""
    m = tb.Model()
    ra, rb = float_range(rng), float_range(rng)
    if op == "ADD":
        lo, hi = ra[0] + rb[0], ra[1] + rb[1]
    elif op == "SUB":
        lo, hi = ra[0] - rb[1], ra[1] - rb[0]
    else:
        prods = [x * y for x in ra for y in rb]
        lo, hi = min(prods), max(prods)
    a = m.tensor("a", a_shape, "int8", *tb.quant_params(*ra))
    b = m.tensor("b", b_shape, "int8", *tb.quant_params(*rb))
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    y = m.tensor("output", out_shape, "int8", *tb.quant_params(lo, hi))
    m.op(op, [a, b], [y], f"{op.capitalize()}Options", fused_activation_function="NONE")
    return m.build([a, b], [y])


def elementwise_cells(family):
    op = family.upper()
    cells = []
    for n in ELEMENTWISE_SIZES:
        a = [1, n // 16, 16]
        for pattern, b in (("same", a), ("bcast", [1, 1, 16])):
            if pattern == "bcast" and b == a:
                continue
            name = f"{family}_{pattern}_n{n}"
            params = dict(op=op, pattern=pattern, a=a, b=b)
            cells.append((name, params, 0, n, lambda rng, a=a, b=b: _binary(rng, op, a, b)))
    return cells


def pool_cells(family):
    op = {"avgpool": "AVERAGE_POOL_2D", "maxpool": "MAX_POOL_2D"}[family]
    cells = []
    for c in (1, 8, 16, 64):
        hw = round(math.sqrt(16384 / c))
        for f, s, pad in ((2, 2, "VALID"), (3, 1, "SAME")):
            p = dict(batch=1, h=hw, w=hw, c=c, fh=f, fw=f, sh=s, sw=s, pad=pad, act="NONE", dtype="int8")
            o = tb.conv_output_size(hw, f, s, 1, pad)
            name = f"{family}_f{f}x{f}_s{s}_{pad.lower()}_in{hw}x{hw}x{c}"
            params = dict(op=op, filter=[f, f], stride=s, padding=pad, input=[1, hw, hw, c], output=[1, o, o, c])
            cells.append((name, params, 0, o * o * c, lambda rng, p=p: _pool(rng, op, p)[0]))
    return cells


def concat_cells(_family):
    cells = []
    for shapes, axis in (
        ([[1, 64, 8], [1, 64, 8]], -1),
        ([[1, 64, 3], [1, 64, 13]], -1),
        ([[1, 64, 16], [1, 64, 16]], 1),
        ([[1, 2048, 16], [1, 2048, 16]], -1),
    ):
        n = sum(int(np.prod(s)) for s in shapes)
        name = "concat_" + "_".join("x".join(map(str, s[1:])) for s in shapes) + f"_axis{axis % 3}"
        p = dict(shapes=shapes, axis=axis, dtype="int8")
        params = dict(op="CONCATENATION", inputs=shapes, axis=axis % 3)
        cells.append((name, params, 0, n, lambda rng, p=p: _concat(rng, p)[0]))
    return cells


def _activation(rng, op, shape):
    """One int8 activation layer: the RELU family with a requantizing output (RELU6 its
    input's), LOGISTIC and TANH with their fixed output quantization."""
    if op in ("LOGISTIC", "TANH"):
        return _unary_fixed(rng, op, dict(shape=shape, dtype="int8", in_scale=0.05))[0]
    p = dict(shape=shape, alpha=0.2) if op == "LEAKY_RELU" else dict(shape=shape)
    return _relu_like(rng, op, p)[0]


def activation_cells(_family):
    cells = []
    for op in ACTIVATIONS:
        for n in ACTIVATION_SIZES:
            shape = [1, n // 16, 16]
            name = f"{op.lower()}_n{n}"
            params = dict(op=op, shape=shape)
            cells.append((name, params, 0, n, lambda rng, op=op, shape=shape: _activation(rng, op, shape)))
    return cells


def quick(family, params, elements):
    """The `--quick` subset: 3, 16 and 64 channels, SAME, dilation 1; elementwise at 256,
    4,096 and 65,536 elements; pools on 8 channels; one concatenation; activations at
    4,096 elements."""
    if family in ("conv", "depthwise"):
        return params["in_channels"] in (3, 16, 64) and params["padding"] == "SAME" and params["dilation"] == 1
    if family in ("add", "sub", "mul"):
        return elements in (256, 4096, 65536)
    if family in ("avgpool", "maxpool"):
        return params["input"][3] == 8
    if family == "activation":
        return elements == 4096
    return params["inputs"][0] == [1, 64, 8]


BUILDERS = {
    "conv": conv_cells,
    "depthwise": conv_cells,
    "add": elementwise_cells,
    "sub": elementwise_cells,
    "mul": elementwise_cells,
    "avgpool": pool_cells,
    "maxpool": pool_cells,
    "concat": concat_cells,
    "activation": activation_cells,
}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path, help="directory for the models and manifest.json")
    ap.add_argument("--family", action="append", choices=FAMILIES, help="only these families (repeatable)")
    ap.add_argument("--quick", action="store_true", help="a small subset of the grid")
    args = ap.parse_args(argv)
    families = args.family or FAMILIES
    manifest = []
    for family in families:
        (args.out / family).mkdir(parents=True, exist_ok=True)
        for name, params, fan_in, elements, build in BUILDERS[family](family):
            if args.quick and not quick(family, params, elements):
                continue
            rng = np.random.default_rng(zlib.crc32(name.encode()))
            path = args.out / family / f"{name}.tflite"
            data = build(rng)
            # Unchanged files keep their modification time, so firmware builds that
            # include them are not invalidated by a rerun.
            if not path.exists() or path.read_bytes() != data:
                path.write_bytes(data)
            manifest.append(
                dict(name=name, family=family, file=f"{family}/{name}.tflite", fan_in=fan_in, elements=elements, params=params)
            )
    names = [c["name"] for c in manifest]
    assert len(names) == len(set(names)), "cell names must be unique"
    (args.out / "manifest.json").write_text(json.dumps(dict(version=VERSION, cells=manifest), indent=1) + "\n")
    print(f"{len(manifest)} cells in {args.out}")


if __name__ == "__main__":
    main()
