"""Test cases of the layers with weights and the pools: CONV_2D, DEPTHWISE_CONV_2D,
TRANSPOSE_CONV, FULLY_CONNECTED, AVERAGE_POOL_2D, MAX_POOL_2D.

Each op has a baseline and variations along one parameter at a time (kernel, stride,
padding, dilation, channels, activation, bias, quantization), plus a few model-like
shapes; `quick` marks a representative subset."""

from __future__ import annotations

import numpy as np

import tflbuild as tb
from casekit import (
    Case,
    bias_values,
    dedupe,
    dot_output_range,
    float_range,
    free_output_range,
    random_tensor,
    weight_scales,
)


def _conv_name(p, depthwise=False):
    name = f"k{p['kh']}x{p['kw']}_s{p['sh']}x{p['sw']}_{p['pad'].lower()}_d{p['dh']}x{p['dw']}"
    name += f"_c{p['cin']}x{p['mult']}" if depthwise else f"_c{p['cin']}to{p['cout']}"
    name += f"_{p['act'].lower()}_in{p['h']}x{p['w']}"
    if not p["bias"]:
        name += "_nobias"
    if not p["per_channel"]:
        name += "_pertensor"
    if p["batch"] != 1:
        name += f"_b{p['batch']}"
    if p["dtype"] != "int8":
        name += f"_{p['dtype']}"
    return name


def _act_dtype_setup(rng, dtype):
    """Input range and quantization for int8 (asymmetric) or int16 (symmetric, zp 0)."""
    lo, hi = float_range(rng)
    s, zp = tb.quant_params(lo, hi, dtype)
    return lo, hi, s, zp


def _filter_and_bias(rng, m, p, cout, w_shape, axis, in_s):
    """Constant int8 weights (per-channel along `axis`, or per-tensor) and the bias (int32,
    int64 for int16 activations unless `p["bias_type"]` says otherwise, or ABSENT):
    returns (filter, bias, weight scales)."""
    w_s = weight_scales(rng, cout, p["per_channel"])
    w = m.const("filter", tb.symmetric_weights(rng, w_shape, axis if p["per_channel"] else None), w_s, 0, axis)
    if not p["bias"]:
        return w, tb.ABSENT, w_s
    bias_type = p.get("bias_type") or ("int64" if p["dtype"] == "int16" else "int32")
    bias, b_s = bias_values(rng, cout, in_s, np.broadcast_to(w_s, (cout,)) if p["per_channel"] else w_s, bias_type)
    if not p["per_channel"]:
        b_s = b_s[:1]
    return w, m.const("bias", bias, b_s, 0), w_s


def _conv_like(rng, p, depthwise):
    m = tb.Model()
    dtype = p["dtype"]
    in_shape = [p["batch"], p["h"], p["w"], p["cin"]]
    cout = p["cin"] * p["mult"] if depthwise else p["cout"]
    lo, hi, in_s, in_zp = _act_dtype_setup(rng, dtype)
    x = m.tensor("input", in_shape, dtype, in_s, in_zp)
    # Per-channel weights are quantized along the output-channel axis: 0 for conv
    # (OHWI), 3 for depthwise (1HW(I*M)).
    axis = 3 if depthwise else 0
    w_shape = [1, p["kh"], p["kw"], cout] if depthwise else [cout, p["kh"], p["kw"], p["cin"]]
    w, bias, w_s = _filter_and_bias(rng, m, p, cout, w_shape, axis, in_s)
    inputs = [x, w, bias]
    fan_in = p["kh"] * p["kw"] * (1 if depthwise else p["cin"])
    out_lo, out_hi = free_output_range(*dot_output_range(rng, fan_in, lo, hi, w_s, p["act"]), p["act"])
    out_s, out_zp = tb.quant_params(out_lo, out_hi, dtype)
    oh = tb.conv_output_size(p["h"], p["kh"], p["sh"], p["dh"], p["pad"])
    ow = tb.conv_output_size(p["w"], p["kw"], p["sw"], p["dw"], p["pad"])
    y = m.tensor("output", [p["batch"], oh, ow, cout], dtype, out_s, out_zp)
    common = dict(
        padding=p["pad"],
        stride_w=p["sw"],
        stride_h=p["sh"],
        dilation_w_factor=p["dw"],
        dilation_h_factor=p["dh"],
        fused_activation_function=p["act"],
    )
    if depthwise:
        m.op("DEPTHWISE_CONV_2D", inputs, [y], "DepthwiseConv2DOptions", depth_multiplier=p["mult"], **common)
    else:
        m.op("CONV_2D", inputs, [y], "Conv2DOptions", **common)
    return m.build([x], [y]), [random_tensor(rng, in_shape, dtype)]


_CONV_BASE = dict(
    h=9, w=8, cin=3, cout=5, mult=1, kh=3, kw=3, sh=1, sw=1, pad="SAME", dh=1, dw=1,
    act="NONE", bias=True, per_channel=True, batch=1, dtype="int8",
)


def _variations(base, extra):
    out = [dict(base)]
    for changes in extra:
        p = dict(base)
        p.update(changes)
        out.append(p)
    return out


def conv_cases():
    vary = []
    for kh, kw in [(1, 1), (3, 3), (5, 3), (1, 7), (7, 1)]:
        for pad in ["SAME", "VALID"]:
            vary.append(dict(kh=kh, kw=kw, pad=pad))
    for sh, sw in [(2, 2), (1, 2), (2, 1)]:
        for pad in ["SAME", "VALID"]:
            vary.append(dict(sh=sh, sw=sw, pad=pad))
            vary.append(dict(sh=sh, sw=sw, pad=pad, h=10, w=11, kh=5, kw=3))
    for dh, dw in [(2, 2), (1, 2), (2, 1)]:
        for pad in ["SAME", "VALID"]:
            vary.append(dict(dh=dh, dw=dw, pad=pad))
    vary.append(dict(dh=2, dw=2, sh=2, sw=2, pad="SAME", h=11, w=10))
    for cin, cout in [(1, 1), (1, 8), (3, 7), (5, 17), (17, 5), (8, 16), (7, 3), (32, 33)]:
        vary.append(dict(cin=cin, cout=cout))
    for act in ["RELU", "RELU6", "RELU_N1_TO_1"]:
        vary.append(dict(act=act))
    vary += [
        dict(bias=False),
        dict(per_channel=False),
        dict(per_channel=False, bias=False, act="RELU"),
        dict(batch=2),
        dict(batch=3, sh=2, sw=2, pad="VALID"),
        dict(h=1, w=1, kh=1, kw=1, cin=17, cout=9),
        dict(h=16, w=16, cin=16, cout=16, act="RELU"),
        # The first layer of the KWS DS-CNN: 49x10x1 MFCCs, 10x4 kernel, stride 2.
        dict(h=49, w=10, cin=1, cout=64, kh=10, kw=4, sh=2, sw=2, act="RELU"),
        # 16x8: int16 activations, int8 weights, int64 bias.
        dict(dtype="int16"),
        dict(dtype="int16", kh=1, kw=1, sh=2, sw=2, pad="VALID", cin=5, cout=7, act="RELU"),
        dict(dtype="int16", bias=False, dh=2, dw=2),
    ]
    quick = {
        _conv_name(_CONV_BASE),
        _conv_name({**_CONV_BASE, "kh": 1, "kw": 1, "pad": "VALID"}),
        _conv_name({**_CONV_BASE, "sh": 2, "sw": 2, "pad": "VALID", "h": 10, "w": 11, "kh": 5, "kw": 3}),
        _conv_name({**_CONV_BASE, "dh": 2, "dw": 2, "pad": "SAME"}),
        _conv_name({**_CONV_BASE, "cin": 5, "cout": 17}),
        _conv_name({**_CONV_BASE, "act": "RELU6"}),
        _conv_name({**_CONV_BASE, "per_channel": False, "bias": False, "act": "RELU"}),
        _conv_name({**_CONV_BASE, "dtype": "int16"}),
    }
    cases = []
    for p in _variations(_CONV_BASE, vary):
        name = _conv_name(p)
        cases.append(
            Case(
                "CONV_2D",
                name,
                p,
                f"CONV_2D {p['dtype']} {p['kh']}x{p['kw']} kernel, stride {p['sh']}x{p['sw']}, {p['pad']}, "
                f"dilation {p['dh']}x{p['dw']}, {p['cin']}->{p['cout']} channels on {p['h']}x{p['w']}, {p['act']}, "
                f"{'per-channel' if p['per_channel'] else 'per-tensor'} weights, {'with' if p['bias'] else 'no'} bias",
                name in quick,
                lambda rng, p=p: _conv_like(rng, p, depthwise=False),
            )
        )
    return dedupe(cases)


def depthwise_cases():
    base = dict(_CONV_BASE, cin=4)
    vary = []
    for mult in [1, 2, 3]:
        for cin in [1, 3, 5, 8, 17]:
            vary.append(dict(mult=mult, cin=cin))
    for kh, kw in [(1, 1), (3, 3), (5, 3), (1, 7)]:
        for pad in ["SAME", "VALID"]:
            vary.append(dict(kh=kh, kw=kw, pad=pad))
    for sh, sw in [(2, 2), (1, 2)]:
        for pad in ["SAME", "VALID"]:
            vary.append(dict(sh=sh, sw=sw, pad=pad))
            vary.append(dict(sh=sh, sw=sw, pad=pad, mult=2, h=10, w=11))
    for dh, dw in [(2, 2), (2, 1)]:
        for pad in ["SAME", "VALID"]:
            vary.append(dict(dh=dh, dw=dw, pad=pad))
    for act in ["RELU", "RELU6", "RELU_N1_TO_1"]:
        vary.append(dict(act=act))
    vary += [
        dict(bias=False),
        dict(per_channel=False),
        dict(batch=2, mult=2),
        # KWS DS-CNN depthwise layers: 25x5x64, 3x3, SAME, RELU.
        dict(h=25, w=5, cin=64, act="RELU"),
        dict(cin=1, mult=8, kh=3, kw=3, sh=2, sw=2),
        dict(dtype="int16"),
        dict(dtype="int16", mult=2, sh=2, sw=2, act="RELU6"),
    ]
    quick = {
        _conv_name(base, True),
        _conv_name({**base, "mult": 2, "cin": 3}, True),
        _conv_name({**base, "mult": 3, "cin": 5}, True),
        _conv_name({**base, "sh": 2, "sw": 2, "pad": "VALID", "mult": 2, "h": 10, "w": 11}, True),
        _conv_name({**base, "dh": 2, "dw": 2, "pad": "SAME"}, True),
        _conv_name({**base, "act": "RELU"}, True),
        _conv_name({**base, "h": 25, "w": 5, "cin": 64, "act": "RELU"}, True),
        _conv_name({**base, "dtype": "int16"}, True),
    }
    cases = []
    for p in _variations(base, vary):
        p["cout"] = p["cin"] * p["mult"]
        name = _conv_name(p, True)
        cases.append(
            Case(
                "DEPTHWISE_CONV_2D",
                name,
                p,
                f"DEPTHWISE_CONV_2D {p['dtype']} {p['kh']}x{p['kw']} kernel, stride {p['sh']}x{p['sw']}, {p['pad']}, "
                f"dilation {p['dh']}x{p['dw']}, {p['cin']} channels x multiplier {p['mult']} on {p['h']}x{p['w']}, "
                f"{p['act']}, {'per-channel' if p['per_channel'] else 'per-tensor'} weights, "
                f"{'with' if p['bias'] else 'no'} bias",
                name in quick,
                lambda rng, p=p: _conv_like(rng, p, depthwise=True),
            )
        )
    return dedupe(cases)


def _transpose_out(p):
    """Output height and width: `p["oh"]`/`p["ow"]` when given (a converter may choose
    any size whose forward convolution gives the input back), else TFLite's default."""
    def size(n, k, stride):
        return n * stride if p["pad"] == "SAME" else (n - 1) * stride + k
    return p.get("oh") or size(p["h"], p["kh"], p["sh"]), p.get("ow") or size(p["w"], p["kw"], p["sw"])


def _transpose_conv(rng, p):
    m = tb.Model()
    dtype, cout = p["dtype"], p["cout"]
    in_shape = [p["batch"], p["h"], p["w"], p["cin"]]
    oh, ow = _transpose_out(p)
    out_shape = [p["batch"], oh, ow, cout]
    lo, hi, in_s, in_zp = _act_dtype_setup(rng, dtype)
    shape = m.const("output_shape", np.asarray(out_shape, dtype=np.int32))
    w, bias, w_s = _filter_and_bias(rng, m, p, cout, [cout, p["kh"], p["kw"], p["cin"]], 0, in_s)
    x = m.tensor("input", in_shape, dtype, in_s, in_zp)
    # Each output sums about kh*kw/(sh*sw) taps of every input channel.
    fan_in = max(1, p["kh"] * p["kw"] * p["cin"] // (p["sh"] * p["sw"]))
    out_lo, out_hi = free_output_range(*dot_output_range(rng, fan_in, lo, hi, w_s, p["act"]), p["act"])
    out_s, out_zp = tb.quant_params(out_lo, out_hi, dtype)
    y = m.tensor("output", out_shape, dtype, out_s, out_zp)
    m.op(
        "TRANSPOSE_CONV", [shape, w, x, bias], [y], "TransposeConvOptions",
        padding=p["pad"], stride_w=p["sw"], stride_h=p["sh"], fused_activation_function=p["act"],
    )
    return m.build([x], [y]), [random_tensor(rng, in_shape, dtype)]


_TRANSPOSE_BASE = dict(
    h=4, w=5, cin=3, cout=5, kh=3, kw=3, sh=2, sw=2, pad="SAME",
    act="NONE", bias=True, per_channel=True, batch=1, dtype="int8",
)


def _transpose_name(p):
    oh, ow = _transpose_out(p)
    name = f"k{p['kh']}x{p['kw']}_s{p['sh']}x{p['sw']}_{p['pad'].lower()}_c{p['cin']}to{p['cout']}"
    name += f"_{p['act'].lower()}_in{p['h']}x{p['w']}_out{oh}x{ow}"
    if not p["bias"]:
        name += "_nobias"
    elif p.get("bias_type"):
        name += f"_bias{p['bias_type']}"
    if not p["per_channel"]:
        name += "_pertensor"
    if p["batch"] != 1:
        name += f"_b{p['batch']}"
    if p["dtype"] != "int8":
        name += f"_{p['dtype']}"
    return name


def transpose_conv_cases():
    vary = []
    for k in range(1, 6):
        for pad in ["SAME", "VALID"]:
            vary.append(dict(kh=k, kw=k, pad=pad))
    for kh, kw in [(3, 5), (5, 2), (1, 4)]:
        vary.append(dict(kh=kh, kw=kw, pad="VALID"))
    for sh, sw in [(1, 1), (3, 3), (1, 2), (3, 1)]:
        for pad in ["SAME", "VALID"]:
            vary.append(dict(sh=sh, sw=sw, pad=pad))
            vary.append(dict(sh=sh, sw=sw, pad=pad, kh=5, kw=4))
    # Strides wider than the kernel leave output pixels no tap reaches (bias only).
    vary.append(dict(sh=3, sw=3, kh=2, kw=1, pad="VALID"))
    # Output sizes a converter may pick besides the default: SAME rounds the forward
    # convolution up, VALID leaves up to stride - 1 extra rows and columns.
    vary += [dict(oh=7, ow=9), dict(pad="VALID", oh=10, ow=12), dict(sh=3, sw=3, oh=11, ow=14, kh=5, kw=5)]
    for cin, cout in [(1, 1), (1, 8), (3, 7), (5, 17), (17, 5), (8, 16), (16, 3), (32, 33)]:
        vary.append(dict(cin=cin, cout=cout))
    for act in ["RELU", "RELU6", "RELU_N1_TO_1"]:
        vary.append(dict(act=act))
    vary += [
        dict(bias=False),
        dict(per_channel=False),
        dict(per_channel=False, bias=False, act="RELU"),
        dict(batch=2),
        dict(batch=3, sh=1, sw=1, pad="VALID"),
        dict(h=1, w=1, kh=1, kw=1, cin=17, cout=9),
        # Autoencoder decoder layers: 4x4x32 to 8x8x16, and 8x8x16 to 16x16x8, 3x3, RELU.
        dict(h=4, w=4, cin=32, cout=16, act="RELU"),
        dict(h=8, w=8, cin=16, cout=8, kh=4, kw=4, act="RELU"),
        # 16x8: int16 activations, int8 weights, int64 (or int16, widened by TFLM) bias.
        dict(dtype="int16"),
        dict(dtype="int16", bias=False),
        dict(dtype="int16", bias_type="int16"),
        dict(dtype="int16", kh=5, kw=5, sh=3, sw=3, pad="VALID", cin=5, cout=7, act="RELU"),
        dict(dtype="int16", per_channel=False, act="RELU6", batch=2),
        dict(dtype="int16", kh=1, kw=1, sh=1, sw=1, cin=8, cout=3),
    ]
    quick = {
        _transpose_name(_TRANSPOSE_BASE),
        _transpose_name({**_TRANSPOSE_BASE, "kh": 5, "kw": 5, "pad": "VALID"}),
        _transpose_name({**_TRANSPOSE_BASE, "sh": 3, "sw": 1, "pad": "SAME", "kh": 5, "kw": 4}),
        _transpose_name({**_TRANSPOSE_BASE, "oh": 7, "ow": 9}),
        _transpose_name({**_TRANSPOSE_BASE, "cin": 5, "cout": 17}),
        _transpose_name({**_TRANSPOSE_BASE, "act": "RELU6"}),
        _transpose_name({**_TRANSPOSE_BASE, "per_channel": False, "bias": False, "act": "RELU"}),
        _transpose_name({**_TRANSPOSE_BASE, "dtype": "int16"}),
    }
    cases = []
    for p in _variations(_TRANSPOSE_BASE, vary):
        name = _transpose_name(p)
        oh, ow = _transpose_out(p)
        cases.append(
            Case(
                "TRANSPOSE_CONV",
                name,
                p,
                f"TRANSPOSE_CONV {p['dtype']} {p['kh']}x{p['kw']} kernel, stride {p['sh']}x{p['sw']}, {p['pad']}, "
                f"{p['cin']}->{p['cout']} channels, {p['h']}x{p['w']} to {oh}x{ow}, {p['act']}, "
                f"{'per-channel' if p['per_channel'] else 'per-tensor'} weights, "
                f"{'no' if not p['bias'] else p.get('bias_type') or 'with'} bias",
                name in quick,
                lambda rng, p=p: _transpose_conv(rng, p),
            )
        )
    return dedupe(cases)


def _fully_connected(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    in_shape = p["in_shape"]
    depth = p["depth"]
    batches = int(np.prod(in_shape)) // depth
    lo, hi, in_s, in_zp = _act_dtype_setup(rng, dtype)
    x = m.tensor("input", in_shape, dtype, in_s, in_zp)
    w_s = weight_scales(rng, 1, per_channel=False)
    w = m.const("weights", tb.symmetric_weights(rng, [p["units"], depth]), w_s, 0)
    inputs = [x, w]
    if p["bias"]:
        bias, b_s = bias_values(rng, p["units"], in_s, w_s, "int64" if dtype == "int16" else "int32")
        inputs.append(m.const("bias", bias, b_s[:1], 0))
    else:
        inputs.append(tb.ABSENT)
    out_range = free_output_range(*dot_output_range(rng, depth, lo, hi, w_s, p["act"]), p["act"])
    out_s, out_zp = tb.quant_params(*out_range, dtype)
    out_shape = list(in_shape[:-1]) + [p["units"]] if p["keep_num_dims"] else [batches, p["units"]]
    y = m.tensor("output", out_shape, dtype, out_s, out_zp)
    m.op(
        "FULLY_CONNECTED",
        inputs,
        [y],
        "FullyConnectedOptions",
        fused_activation_function=p["act"],
        keep_num_dims=p["keep_num_dims"],
    )
    return m.build([x], [y]), [random_tensor(rng, in_shape, dtype)]


def fully_connected_cases():
    specs = []
    for batches in [1, 2, 3]:
        for depth, units in [(1, 1), (5, 3), (17, 10), (64, 33), (250, 12)]:
            specs.append(dict(in_shape=[batches, depth], depth=depth, units=units))
    for act in ["RELU", "RELU6", "RELU_N1_TO_1"]:
        specs.append(dict(in_shape=[1, 20], depth=20, units=7, act=act))
    specs += [
        dict(in_shape=[1, 20], depth=20, units=7, bias=False),
        dict(in_shape=[2, 9], depth=9, units=4, bias=False, act="RELU"),
        # A 4-D input is flattened into rows of `depth`.
        dict(in_shape=[1, 2, 2, 5], depth=20, units=6),
        dict(in_shape=[1, 3, 4], depth=4, units=5, keep_num_dims=True),
        # ad01's layers: 640 -> 128.
        dict(in_shape=[1, 640], depth=640, units=128, act="RELU"),
        dict(in_shape=[1, 20], depth=20, units=7, dtype="int16"),
        dict(in_shape=[2, 33], depth=33, units=9, dtype="int16", act="RELU", bias=False),
    ]
    quick_idx = {0, 3 * 5 - 2, 5 + 2, 15, 18, 20, 21, len(specs) - 2}
    cases = []
    for i, s in enumerate(specs):
        p = dict(act="NONE", bias=True, keep_num_dims=False, dtype="int8")
        p.update(s)
        shape = "x".join(map(str, p["in_shape"]))
        name = f"in{shape}_to{p['units']}_{p['act'].lower()}"
        name += "" if p["bias"] else "_nobias"
        name += "_keepdims" if p["keep_num_dims"] else ""
        name += "" if p["dtype"] == "int8" else f"_{p['dtype']}"
        cases.append(
            Case(
                "FULLY_CONNECTED",
                name,
                p,
                f"FULLY_CONNECTED {p['dtype']} input {p['in_shape']} (depth {p['depth']}) -> {p['units']} units, "
                f"{p['act']}, {'with' if p['bias'] else 'no'} bias",
                i in quick_idx,
                lambda rng, p=p: _fully_connected(rng, p),
            )
        )
    return dedupe(cases)


def _pool(rng, op, p):
    m = tb.Model()
    dtype = p["dtype"]
    in_shape = [p["batch"], p["h"], p["w"], p["c"]]
    lo, hi = float_range(rng)
    if p["act"] != "NONE":
        # Mostly positive inputs, so the activation does not zero nearly every output.
        lo, hi = -min(-lo, hi), max(-lo, hi)
    s, zp = tb.quant_params(lo, hi, dtype)
    x = m.tensor("input", in_shape, dtype, s, zp)
    oh = tb.conv_output_size(p["h"], p["fh"], p["sh"], 1, p["pad"])
    ow = tb.conv_output_size(p["w"], p["fw"], p["sw"], 1, p["pad"])
    # TFLM's int8/int16 pools do not requantize: output quantization equals the input's.
    y = m.tensor("output", [p["batch"], oh, ow, p["c"]], dtype, s, zp)
    m.op(
        op,
        [x],
        [y],
        "Pool2DOptions",
        padding=p["pad"],
        stride_w=p["sw"],
        stride_h=p["sh"],
        filter_width=p["fw"],
        filter_height=p["fh"],
        fused_activation_function=p["act"],
    )
    return m.build([x], [y]), [random_tensor(rng, in_shape, dtype)]


def _pool_cases(op):
    base = dict(batch=1, h=8, w=9, c=5, fh=2, fw=2, sh=2, sw=2, pad="VALID", act="NONE", dtype="int8")
    vary = [
        {},
        dict(pad="SAME"),
        dict(fh=3, fw=3, sh=1, sw=1, pad="SAME"),
        dict(fh=3, fw=3, sh=1, sw=1, pad="VALID"),
        dict(fh=3, fw=3, sh=2, sw=2, pad="SAME"),
        dict(fh=2, fw=3, sh=1, sw=2, pad="VALID"),
        dict(fh=5, fw=1, sh=3, sw=1, pad="SAME"),
        # Global pooling, as at the end of the KWS DS-CNN (25x5).
        dict(h=25, w=5, c=64, fh=25, fw=5, sh=1, sw=1),
        dict(fh=8, fw=9, sh=1, sw=1),
        dict(c=1),
        dict(c=17, pad="SAME", fh=3, fw=3),
        dict(act="RELU"),
        dict(act="RELU6", pad="SAME", fh=3, fw=3),
        dict(act="RELU_N1_TO_1"),
        dict(batch=2),
        dict(dtype="int16"),
        dict(dtype="int16", pad="SAME", fh=3, fw=3, act="RELU"),
    ]
    quick = {0, 2, 4, 7, 12, 15}
    cases = []
    for i, v in enumerate(vary):
        p = dict(base, **v)
        name = f"f{p['fh']}x{p['fw']}_s{p['sh']}x{p['sw']}_{p['pad'].lower()}_in{p['h']}x{p['w']}x{p['c']}_{p['act'].lower()}"
        name += f"_b{p['batch']}" if p["batch"] != 1 else ""
        name += "" if p["dtype"] == "int8" else f"_{p['dtype']}"
        cases.append(
            Case(
                op,
                name,
                p,
                f"{op} {p['dtype']} filter {p['fh']}x{p['fw']}, stride {p['sh']}x{p['sw']}, {p['pad']}, "
                f"input {p['batch']}x{p['h']}x{p['w']}x{p['c']}, {p['act']}",
                i in quick,
                lambda rng, p=p: _pool(rng, op, p),
            )
        )
    return dedupe(cases)


def average_pool_cases():
    return _pool_cases("AVERAGE_POOL_2D")


def max_pool_cases():
    return _pool_cases("MAX_POOL_2D")
