"""Held-out models: small int8 CNNs of random shape, for measuring the compiler on models
nobody tuned it for.

Each seed draws one network of the families the kernels optimize, in the layouts
always-on audio and small-image models use:
- an input of 1 to 8 channels, either a spectrogram column stack (width 1, 1-D
  filters such as 5x1 or 10x1) or an image (3x3, 5x3, 7x1 filters);
- a first CONV_2D, stride 1 or 2, SAME or VALID;
- two to five depthwise-separable blocks (DEPTHWISE_CONV_2D with multiplier 1 and a
  random stride, then a pointwise CONV_2D to a random channel count), some with a
  residual ADD where the shapes allow one;
- AVERAGE_POOL_2D over what is left, FULLY_CONNECTED to 2-12 classes, SOFTMAX.

Channel counts are drawn from 3 to 100 (not only multiples of 4 or 16), activations
are RELU, RELU6 or none. The quantization follows each layer's estimated output range
(`casekit.dot_output_range`), as a converter's calibration would give one.

    python3 tools/oracle/heldout.py OUT_DIR [--count N] [--seed S]

writes `heldout_<seed>.tflite` per model and prints one line per model (its layers).
`scripts/heldout-bench` builds and measures them with `tinyml-bench`.
"""

from __future__ import annotations

import argparse
import pathlib

import numpy as np

import tflbuild as tb
from casekit import act_range, bias_values, dot_output_range, weight_scales

ACTIVATIONS = ["RELU", "RELU6", "NONE"]


class Net:
    """A model under construction: the current activation tensor and its float range."""

    def __init__(self, rng, shape):
        self.rng = rng
        self.m = tb.Model()
        self.lo, self.hi = -rng.uniform(0.5, 4.0), rng.uniform(0.5, 4.0)
        s, zp = tb.quant_params(self.lo, self.hi)
        self.x = self.m.tensor("input", shape, "int8", s, zp)
        self.input = self.x
        self.shape = list(shape)
        self.scale = s
        self.layers = []
        self.n = 0

    def _name(self, kind):
        self.n += 1
        return f"{kind}_{self.n}"

    def _out(self, name, shape, lo, hi):
        s, zp = tb.quant_params(lo, hi)
        self.lo, self.hi, self.scale = lo, hi, s
        return self.m.tensor(name, shape, "int8", s, zp)

    def conv(self, cout, kh, kw, stride, pad, act, depthwise=False):
        rng, (_, h, w, cin) = self.rng, self.shape
        name = self._name("dw" if depthwise else "conv")
        cout = cin if depthwise else cout
        axis = 3 if depthwise else 0
        w_shape = [1, kh, kw, cout] if depthwise else [cout, kh, kw, cin]
        w_s = weight_scales(rng, cout)
        wt = self.m.const(name + "_w", tb.symmetric_weights(rng, w_shape, axis), w_s, 0, axis)
        bias, b_s = bias_values(rng, cout, self.scale, w_s)
        b = self.m.const(name + "_b", bias, b_s, 0)
        fan_in = kh * kw * (1 if depthwise else cin)
        lo, hi = dot_output_range(rng, fan_in, self.lo, self.hi, w_s, act)
        sh, sw = stride if kh > 1 or h > 1 else 1, stride if kw > 1 or w > 1 else 1
        oh, ow = tb.conv_output_size(h, kh, sh, 1, pad), tb.conv_output_size(w, kw, sw, 1, pad)
        y = self._out(name, [1, oh, ow, cout], lo, hi)
        opts = dict(padding=pad, stride_h=sh, stride_w=sw, fused_activation_function=act)
        if depthwise:
            self.m.op("DEPTHWISE_CONV_2D", [self.x, wt, b], [y], "DepthwiseConv2DOptions", depth_multiplier=1, **opts)
        else:
            self.m.op("CONV_2D", [self.x, wt, b], [y], "Conv2DOptions", **opts)
        self.layers.append(f"{'dw' if depthwise else 'conv'}{kh}x{kw}/s{max(sh, sw)} {pad} {cin}->{cout} {act}")
        self.x, self.shape = y, [1, oh, ow, cout]

    def add(self, skip, skip_range):
        name = self._name("add")
        lo = min(self.lo, skip_range[0]) + min(0.0, max(self.lo, skip_range[0]))
        hi = max(self.hi, skip_range[1]) + max(0.0, min(self.hi, skip_range[1]))
        lo, hi = act_range(lo, hi, "RELU")
        y = self._out(name, self.shape, lo, hi)
        self.m.op("ADD", [self.x, skip], [y], "AddOptions", fused_activation_function="RELU")
        self.layers.append(f"add {self.shape[3]}")
        self.x = y

    def head(self, classes):
        rng, (_, h, w, c) = self.rng, self.shape
        if h * w > 1:
            name = self._name("pool")
            y = self.m.tensor(name, [1, 1, 1, c], "int8", self.scale, self.x_zero_point())
            self.m.op(
                "AVERAGE_POOL_2D", [self.x], [y], "Pool2DOptions",
                padding="VALID", stride_h=1, stride_w=1, filter_height=h, filter_width=w,
                fused_activation_function="NONE",
            )
            self.layers.append(f"avgpool {h}x{w}")
            self.x = y
        name = self._name("fc")
        flat = self.m.tensor(name + "_in", [1, c], "int8", self.scale, self.x_zero_point())
        self.m.op("RESHAPE", [self.x], [flat], "ReshapeOptions", new_shape=[1, c])
        w_s = weight_scales(rng, 1, per_channel=False)
        wt = self.m.const(name + "_w", tb.symmetric_weights(rng, [classes, c]), w_s, 0)
        bias, b_s = bias_values(rng, classes, self.scale, w_s)
        b = self.m.const(name + "_b", bias, b_s[:1], 0)
        lo, hi = dot_output_range(rng, c, self.lo, self.hi, w_s, "NONE")
        logits = self._out(name, [1, classes], lo, hi)
        self.m.op("FULLY_CONNECTED", [flat, wt, b], [logits], "FullyConnectedOptions", fused_activation_function="NONE")
        probs = self.m.tensor("probs", [1, classes], "int8", 1.0 / 256, -128)
        self.m.op("SOFTMAX", [logits], [probs], "SoftmaxOptions", beta=1.0)
        self.layers.append(f"fc {c}->{classes}, softmax")
        return self.m.build([self.input], [probs])

    def x_zero_point(self):
        return tb.quant_params(self.lo, self.hi)[1]


def channels(rng, lo=3, hi=100):
    return int(rng.integers(lo, hi, endpoint=True))


def model(seed):
    """The model of `seed`: (tflite bytes, one-line description)."""
    rng = np.random.default_rng(seed)
    audio = bool(rng.integers(0, 2))
    if audio:
        shape = [1, int(rng.integers(24, 64)), 1, int(rng.integers(1, 8, endpoint=True))]
        kernels = [(3, 1), (5, 1), (7, 1), (10, 1)]
    else:
        size = int(rng.integers(16, 48))
        shape = [1, size, size + int(rng.integers(-4, 5)), int(rng.integers(1, 4, endpoint=True))]
        kernels = [(3, 3), (5, 3), (7, 1), (3, 3)]
    net = Net(rng, shape)
    kh, kw = kernels[rng.integers(len(kernels))]
    net.conv(channels(rng, 8, 64), kh, kw, int(rng.integers(1, 3)), ["SAME", "VALID"][rng.integers(2)], "RELU")
    for _ in range(int(rng.integers(2, 6))):
        kh, kw = kernels[rng.integers(len(kernels))]
        _, h, w, _ = net.shape
        if h < kh + 1 or w < kw:
            break
        stride = int(rng.integers(1, 3)) if h > 8 else 1
        skip, skip_range, skip_shape = net.x, (net.lo, net.hi), list(net.shape)
        net.conv(0, kh, kw, stride, "SAME", ACTIVATIONS[rng.integers(3)], depthwise=True)
        residual = net.shape[:3] == skip_shape[:3] and rng.random() < 0.5
        cout = skip_shape[3] if residual else channels(rng)
        net.conv(cout, 1, 1, 1, "VALID", ACTIVATIONS[rng.integers(3)])
        if residual:
            net.add(skip, skip_range)
    tflite = net.head(int(rng.integers(2, 12, endpoint=True)))
    return tflite, f"input {shape}: " + ", ".join(net.layers)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--count", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1000)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for seed in range(args.seed, args.seed + args.count):
        tflite, about = model(seed)
        path = args.out / f"heldout_{seed}.tflite"
        path.write_bytes(tflite)
        print(f"{path}: {about}")


if __name__ == "__main__":
    main()
