"""Test cases of the element-wise operators: ADD, MUL, MINIMUM, MAXIMUM, SOFTMAX,
LOGISTIC, TANH, QUANTIZE, DEQUANTIZE, CAST, RELU, RELU6, LEAKY_RELU,
HARD_SWISH, SQUARED_DIFFERENCE, PRELU, EXP, LOG, SQRT, RSQRT, L2_NORMALIZATION, LOG_SOFTMAX."""

from __future__ import annotations

import numpy as np

import tflbuild as tb
from casekit import INT_RANGES, Case, dedupe, float_range, free_output_range, qparams, random_tensor

#: Shape pairs of binary operators: equal shapes and the broadcasts TFLite allows.
BINARY_SHAPES = [
    ([1, 4, 4, 3], [1, 4, 4, 3]),
    ([1, 4, 4, 3], [1, 1, 1, 3]),
    ([1, 1, 1, 3], [1, 4, 4, 3]),
    ([1, 4, 4, 3], [3]),
    ([2, 3], [1, 3]),
    ([5], []),
    ([3, 1, 5], [1, 4, 1]),
    ([1, 2, 3, 4, 5], [1, 1, 3, 1, 5]),
    ([17], [17]),
]


def _shape_name(shape):
    return "x".join(map(str, shape)) if shape else "scalar"


def _arith(rng, op, p):
    """ADD or MUL with independent input and output quantization."""
    m = tb.Model()
    dtype = p["dtype"]
    a_shape, b_shape = p["shapes"]
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    ra, rb = float_range(rng), float_range(rng)
    if op == "ADD":
        lo, hi = ra[0] + rb[0], ra[1] + rb[1]
    else:
        prods = [x * y for x in ra for y in rb]
        lo, hi = min(prods), max(prods)
    jitter = rng.uniform(0.6, 1.2)
    lo, hi = free_output_range(lo * jitter, hi * jitter, p["act"])
    sa, sb, so = (tb.quant_params(*r, dtype) for r in (ra, rb, (lo, hi)))
    a = m.tensor("a", a_shape, dtype, *sa)
    b_data = random_tensor(rng, b_shape, dtype)
    if p["const_b"]:
        b = m.const("b", b_data, *sb)
    else:
        b = m.tensor("b", b_shape, dtype, *sb)
    y = m.tensor("output", out_shape, dtype, *so)
    fields = dict(fused_activation_function=p["act"])
    if op == "ADD" and dtype == "int16":
        # The converter writes pot_scale_int16=false for 16x8 models (general scales).
        fields["pot_scale_int16"] = False
    m.op(op, [a, b], [y], f"{op.capitalize()}Options", **fields)
    inputs = [a] if p["const_b"] else [a, b]
    data = [random_tensor(rng, a_shape, dtype)] + ([] if p["const_b"] else [b_data])
    return m.build(inputs, [y]), data


def _arith_cases(op):
    specs = [dict(shapes=s) for s in BINARY_SHAPES]
    specs += [dict(shapes=BINARY_SHAPES[0], act=a) for a in ["RELU", "RELU6", "RELU_N1_TO_1"]]
    specs += [
        dict(shapes=BINARY_SHAPES[1], act="RELU"),
        dict(shapes=BINARY_SHAPES[4], const_b=True),
        dict(shapes=BINARY_SHAPES[0], dtype="int16"),
        dict(shapes=BINARY_SHAPES[1], dtype="int16"),
        dict(shapes=BINARY_SHAPES[5], dtype="int16", act="RELU"),
    ]
    quick = {0, 1, 3, 6, 9, 14}
    cases = []
    for i, s in enumerate(specs):
        p = dict(act="NONE", const_b=False, dtype="int8")
        p.update(s)
        a, b = p["shapes"]
        name = f"{_shape_name(a)}_{_shape_name(b)}_{p['act'].lower()}"
        name += "_constb" if p["const_b"] else ""
        name += "" if p["dtype"] == "int8" else f"_{p['dtype']}"
        cases.append(
            Case(
                op,
                name,
                {**p, "shapes": [list(a), list(b)]},
                f"{op} {p['dtype']} {a} with {b}{' (constant)' if p['const_b'] else ''}, {p['act']}, "
                "independent input and output scales",
                i in quick,
                lambda rng, p=p: _arith(rng, op, p),
            )
        )
    return dedupe(cases)


def add_cases():
    return _arith_cases("ADD")


def mul_cases():
    return _arith_cases("MUL")


def _minmax(rng, op, p):
    m = tb.Model()
    dtype = p["dtype"]
    a_shape, b_shape = p["shapes"]
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    # TFLM compares raw values, so a quantized model shares one scale and zero point.
    q = qparams(rng) if dtype in ("int8", "int16") else (None, None)
    if dtype == "int16":
        q = (q[0], 0)
    a = m.tensor("a", a_shape, dtype, *q)
    b = m.tensor("b", b_shape, dtype, *q)
    y = m.tensor("output", out_shape, dtype, *q)
    m.op(op, [a, b], [y])
    return m.build([a, b], [y]), [random_tensor(rng, a_shape, dtype), random_tensor(rng, b_shape, dtype)]


def _minmax_cases(op):
    specs = [dict(shapes=s, dtype="int8") for s in BINARY_SHAPES]
    specs += [dict(shapes=BINARY_SHAPES[i], dtype=d) for d in ["int32", "int16", "float32"] for i in (0, 1)]
    quick = {0, 1, 4, 6, 9}
    cases = []
    for i, p in enumerate(specs):
        a, b = p["shapes"]
        name = f"{_shape_name(a)}_{_shape_name(b)}_{p['dtype']}"
        cases.append(
            Case(
                op,
                name,
                {**p, "shapes": [list(a), list(b)]},
                f"{op} {p['dtype']} {a} with {b}",
                i in quick,
                lambda rng, p=p: _minmax(rng, op, p),
            )
        )
    return dedupe(cases)


def minimum_cases():
    return _minmax_cases("MINIMUM")


def maximum_cases():
    return _minmax_cases("MAXIMUM")


#: Output quantization TFLM requires of the fixed-range activations, by (op, dtype).
FIXED_OUTPUT_QUANT = {
    ("SOFTMAX", "int8"): (1 / 256, -128),
    ("SOFTMAX", "int16"): (1 / 32768, 0),
    ("LOGISTIC", "int8"): (1 / 256, -128),
    ("LOGISTIC", "int16"): (1 / 32768, 0),
    ("TANH", "int8"): (1 / 128, 0),
    ("TANH", "int16"): (1 / 32768, 0),
}


def _unary_fixed(rng, op, p):
    """SOFTMAX, LOGISTIC, TANH: free input quantization, fixed output quantization."""
    m = tb.Model()
    dtype = p["dtype"]
    if dtype == "int16":
        in_q = (p["in_scale"], 0)
    else:
        in_q = (p["in_scale"], int(rng.integers(-60, 60)))
    x = m.tensor("input", p["shape"], dtype, *in_q)
    y = m.tensor("output", p["shape"], dtype, *FIXED_OUTPUT_QUANT[(op, dtype)])
    if op == "SOFTMAX":
        m.op(op, [x], [y], "SoftmaxOptions", beta=p["beta"])
    else:
        m.op(op, [x], [y])
    return m.build([x], [y]), [random_tensor(rng, p["shape"], dtype)]


def softmax_cases():
    specs = [
        dict(shape=[1, 10], beta=1.0, in_scale=0.03),
        dict(shape=[1, 12], beta=1.0, in_scale=0.0625),
        dict(shape=[2, 7], beta=1.0, in_scale=0.08),
        dict(shape=[1, 4, 4, 6], beta=1.0, in_scale=0.05),
        dict(shape=[1, 10], beta=0.5, in_scale=0.1),
        dict(shape=[1, 10], beta=2.0, in_scale=0.02),
        dict(shape=[1, 33], beta=0.1, in_scale=0.3),
        dict(shape=[1, 1], beta=1.0, in_scale=0.1),
        dict(shape=[3, 5], beta=1.0, in_scale=0.01),
        dict(shape=[1, 10], beta=1.0, in_scale=1 / 2048, dtype="int16"),
        dict(shape=[2, 9], beta=1.0, in_scale=3 / 4096, dtype="int16"),
    ]
    return _fixed_cases("SOFTMAX", specs, quick={0, 3, 5, 9})


def _fixed_cases(op, specs, quick):
    cases = []
    for i, s in enumerate(specs):
        p = dict(dtype="int8", beta=None)
        p.update(s)
        name = f"{_shape_name(p['shape'])}_in{p['in_scale']:.4g}"
        name += "" if p["beta"] is None else f"_beta{p['beta']:g}"
        name += "" if p["dtype"] == "int8" else f"_{p['dtype']}"
        desc = f"{op} {p['dtype']} {p['shape']}, input scale {p['in_scale']:.4g}"
        desc += "" if p["beta"] is None else f", beta {p['beta']}"
        cases.append(Case(op, name, p, desc, i in quick, lambda rng, p=p: _unary_fixed(rng, op, p)))
    return dedupe(cases)


def _sigmoid_like_specs():
    return [
        dict(shape=[1, 64], in_scale=0.02),
        dict(shape=[1, 64], in_scale=0.0625),
        dict(shape=[2, 3, 7], in_scale=0.03),
        dict(shape=[1, 255], in_scale=0.3),
        dict(shape=[1, 64], in_scale=1 / 4096, dtype="int16"),
        dict(shape=[1, 64], in_scale=3 / 4096, dtype="int16"),
        dict(shape=[3, 17], in_scale=1 / 1024, dtype="int16"),
    ]


def logistic_cases():
    return _fixed_cases("LOGISTIC", _sigmoid_like_specs(), quick={0, 3, 4})


def tanh_cases():
    return _fixed_cases("TANH", _sigmoid_like_specs(), quick={0, 3, 4})


def _quantize(rng, p):
    m = tb.Model()
    src, dst = p["from"], p["to"]
    shape = p["shape"]
    if src == "float32":
        in_q = (None, None)
        lo, hi = float_range(rng)
        data = random_tensor(rng, shape, "float32", lo * 1.2, hi * 1.2)
    else:
        in_q = qparams(rng, src)
        qmin, qmax = INT_RANGES[src]
        lo, hi = in_q[0] * (qmin - in_q[1]), in_q[0] * (qmax - in_q[1])
        data = random_tensor(rng, shape, src)
    # The output covers a different range than the input, so requantization clamps too.
    out_q = tb.quant_params(lo * rng.uniform(0.5, 1.5), hi * rng.uniform(0.5, 1.5), dst)
    x = m.tensor("input", shape, src, *in_q)
    y = m.tensor("output", shape, dst, *out_q)
    m.op("QUANTIZE", [x], [y])
    return m.build([x], [y]), [data]


def quantize_cases():
    pairs = [
        ("float32", "int8"),
        ("int8", "int8"),
        ("float32", "int16"),
        ("int16", "int8"),
        ("int8", "int16"),
        ("int16", "int16"),
    ]
    cases = []
    for i, (src, dst) in enumerate(pairs):
        for j, shape in enumerate([[1, 20], [2, 3, 4]]):
            p = {"from": src, "to": dst, "shape": shape}
            name = f"{src}_to_{dst}_{_shape_name(shape)}"
            cases.append(
                Case(
                    "QUANTIZE",
                    name,
                    p,
                    f"QUANTIZE {src} -> {dst} {shape}",
                    j == 0 and i in (0, 1, 2, 3, 4),
                    lambda rng, p=p: _quantize(rng, p),
                )
            )
    return cases


def _dequantize(rng, p):
    m = tb.Model()
    src = p["from"]
    q = qparams(rng, src)
    x = m.tensor("input", p["shape"], src, *q)
    y = m.tensor("output", p["shape"], "float32")
    m.op("DEQUANTIZE", [x], [y])
    return m.build([x], [y]), [random_tensor(rng, p["shape"], src)]


def dequantize_cases():
    cases = []
    for i, (src, shape) in enumerate([("int8", [1, 20]), ("int8", [2, 3, 4]), ("int16", [1, 20])]):
        p = {"from": src, "shape": shape}
        cases.append(
            Case(
                "DEQUANTIZE",
                f"{src}_to_float32_{_shape_name(shape)}",
                p,
                f"DEQUANTIZE {src} -> float32 {shape}",
                i in (0, 2),
                lambda rng, p=p: _dequantize(rng, p),
            )
        )
    return cases


def _cast(rng, p):
    m = tb.Model()
    src, dst = p["from"], p["to"]
    x = m.tensor("input", p["shape"], src)
    y = m.tensor("output", p["shape"], dst)
    m.op("CAST", [x], [y])
    if src == "float32":
        # Float to integer conversion outside the target range is undefined in C++;
        # stay inside it (with fractions, to see truncation toward zero).
        lo, hi = INT_RANGES.get(dst, (-1000.0, 1000.0))
        data = random_tensor(rng, p["shape"], "float32", max(lo, -1000.0), min(hi, 1000.0))
    elif src == "int32":
        # Values beyond the narrower types check wrap-around.
        data = random_tensor(rng, p["shape"], "int32", -100000, 100000)
    else:
        data = random_tensor(rng, p["shape"], src)
    return m.build([x], [y]), [data]


def cast_cases():
    types = ["int8", "int16", "int32", "float32", "uint8"]
    quick_pairs = {("int8", "int32"), ("int32", "int8"), ("int16", "int32"), ("int8", "float32")}
    cases = []
    for src in types:
        for dst in types:
            if src == dst:
                continue
            p = {"from": src, "to": dst, "shape": [2, 3, 5]}
            cases.append(
                Case(
                    "CAST",
                    f"{src}_to_{dst}",
                    p,
                    f"CAST {src} -> {dst}",
                    (src, dst) in quick_pairs,
                    lambda rng, p=p: _cast(rng, p),
                )
            )
    return cases


def _relu_like(rng, op, p):
    """RELU, RELU6, LEAKY_RELU int8: random input quantization; the output's own (RELU,
    LEAKY_RELU) or the input's (RELU6, whose TFLM kernel reads only the input's)."""
    m = tb.Model()
    shape = p["shape"]
    dtype = p.get("dtype", "int8")
    in_q = tb.quant_params(*p["in_range"], dtype) if p.get("in_range") else qparams(rng, dtype)
    if op == "RELU6" or p.get("same_quant"):
        out_q = in_q
    elif p.get("free_out"):
        out_q = qparams(rng, dtype)
    else:
        # The output covers the activation of the input range, give or take (jitter
        # below 1 makes requantization saturate at the ends).
        qmin, qmax = INT_RANGES[dtype]
        in_lo, in_hi = in_q[0] * (qmin - in_q[1]), in_q[0] * (qmax - in_q[1])
        alpha = p.get("alpha", 0.0)
        lo, hi = min(0.0, alpha * in_lo, alpha * in_hi), max(in_hi, alpha * in_lo)
        if op == "HARD_SWISH":
            # x * relu6(x + 3) / 6 has its minimum -0.375 at x = -1.5.
            lo, hi = max(-0.375, min(0.0, in_lo)), in_hi
        if op == "RELU" and not p.get("positive_out"):
            lo = in_lo * rng.uniform(0.1, 0.5)
        jitter = rng.uniform(0.8, 1.2)
        out_q = tb.quant_params(lo * jitter, hi * jitter, dtype)
    x = m.tensor("input", shape, dtype, *in_q)
    y = m.tensor("output", shape, dtype, *out_q)
    if op == "LEAKY_RELU":
        m.op(op, [x], [y], "LeakyReluOptions", alpha=p["alpha"])
    else:
        m.op(op, [x], [y])
    return m.build([x], [y]), [random_tensor(rng, shape, dtype)]


def _relu_like_cases(op, specs, quick):
    cases = []
    for i, s in enumerate(specs):
        p = dict(shape=[1, 4, 4, 3])
        p.update(s)
        name = _shape_name(p["shape"])
        name += f"_alpha{p['alpha']:g}" if "alpha" in p else ""
        name += "_samequant" if p.get("same_quant") else ""
        name += "_posout" if p.get("positive_out") else ""
        name += "_freeout" if p.get("free_out") else ""
        name += f"_in{p['in_range'][0]:g}to{p['in_range'][1]:g}" if p.get("in_range") else ""
        name += f"_{p['dtype']}" if "dtype" in p else ""
        desc = f"{op} {p.get('dtype', 'int8')} {p['shape']}" + (f", alpha {p['alpha']}" if "alpha" in p else "")
        cases.append(Case(op, name, p, desc, i in quick, lambda rng, p=p: _relu_like(rng, op, p)))
    return dedupe(cases)


def relu_cases():
    specs = [
        dict(),
        dict(same_quant=True),
        dict(positive_out=True),
        dict(free_out=True),
        dict(shape=[2, 33]),
        dict(shape=[17], in_range=(-0.5, 0.25)),
        dict(dtype="int16"),
        dict(dtype="int16", same_quant=True, shape=[2, 33]),
    ]
    return _relu_like_cases("RELU", specs, quick={0, 2})


def relu6_cases():
    specs = [
        dict(),
        dict(shape=[2, 33]),
        # 6.0 above the input range (six saturates at 127) and well inside it.
        dict(shape=[17], in_range=(-1.0, 2.0)),
        dict(shape=[17], in_range=(-20.0, 30.0)),
        dict(dtype="int16"),
        dict(dtype="int16", shape=[17], in_range=(-1.0, 2.0)),
    ]
    return _relu_like_cases("RELU6", specs, quick={0, 2})


def leaky_relu_cases():
    specs = [
        dict(alpha=0.2),
        dict(alpha=0.1, same_quant=True),
        dict(alpha=0.01, shape=[2, 33]),
        dict(alpha=0.3, shape=[17], in_range=(-0.5, 0.25)),
        dict(alpha=1.5),
        dict(alpha=-0.25),
        dict(alpha=0.2, free_out=True),
        dict(alpha=0.2, dtype="int16"),
        dict(alpha=-0.25, dtype="int16", shape=[2, 33]),
    ]
    return _relu_like_cases("LEAKY_RELU", specs, quick={0, 2, 4})


def hard_swish_cases():
    specs = [
        dict(),
        dict(shape=[2, 33]),
        dict(shape=[1, 8, 8, 4], in_range=(-6.0, 6.0)),
        dict(shape=[17], in_range=(-0.5, 0.25)),
        dict(shape=[17], in_range=(-40.0, 60.0)),
        dict(free_out=True),
    ]
    return _relu_like_cases("HARD_SWISH", specs, quick={0, 2})


def _squared_difference(rng, p):
    """SQUARED_DIFFERENCE with independent input and output quantization (int8, int16),
    or unquantized (int32, float32)."""
    m = tb.Model()
    dtype = p["dtype"]
    a_shape, b_shape = p["shapes"]
    out_shape = list(np.broadcast_shapes(tuple(a_shape), tuple(b_shape)))
    if dtype in ("int8", "int16"):
        ra, rb = float_range(rng), float_range(rng)
        hi = max(abs(ra[0] - rb[1]), abs(ra[1] - rb[0])) ** 2
        lo, hi = free_output_range(0.0, hi * rng.uniform(0.2, 1.0))
        sa, sb, so = (tb.quant_params(*r, dtype) for r in (ra, rb, (lo, hi)))
        if dtype == "int16":
            sa, sb, so = ((s, 0) for s, _ in (sa, sb, so))
    else:
        sa = sb = so = (None, None)
    lo, hi = (-1000, 1000) if dtype == "int32" else (None, None)
    a = m.tensor("a", a_shape, dtype, *sa)
    b_data = random_tensor(rng, b_shape, dtype, lo, hi)
    b = m.const("b", b_data, *sb) if p["const_b"] else m.tensor("b", b_shape, dtype, *sb)
    y = m.tensor("output", out_shape, dtype, *so)
    m.op("SQUARED_DIFFERENCE", [a, b], [y])
    inputs = [a] if p["const_b"] else [a, b]
    data = [random_tensor(rng, a_shape, dtype, lo, hi)] + ([] if p["const_b"] else [b_data])
    return m.build(inputs, [y]), data


def squared_difference_cases():
    specs = [dict(shapes=s) for s in BINARY_SHAPES if len(s[0]) <= 4]
    specs += [
        dict(shapes=BINARY_SHAPES[7]),  # 5-D broadcast
        dict(shapes=([1, 2, 3, 2, 2], [1, 2, 3, 2, 2])),  # 5-D of one shape: flat
        dict(shapes=BINARY_SHAPES[3], const_b=True),
        dict(shapes=BINARY_SHAPES[0], dtype="int16"),
        dict(shapes=BINARY_SHAPES[1], dtype="int16"),
        dict(shapes=BINARY_SHAPES[0], dtype="int32"),
        dict(shapes=BINARY_SHAPES[6], dtype="int32"),
        dict(shapes=BINARY_SHAPES[0], dtype="float32"),
        dict(shapes=BINARY_SHAPES[4], dtype="float32"),
    ]
    quick = {0, 1, 3, 10, 11, 13, 15}
    cases = []
    for i, s in enumerate(specs):
        p = dict(const_b=False, dtype="int8")
        p.update(s)
        a, b = p["shapes"]
        name = f"{_shape_name(a)}_{_shape_name(b)}_{p['dtype']}" + ("_constb" if p["const_b"] else "")
        desc = f"SQUARED_DIFFERENCE {p['dtype']} {a} with {b}" + (" (constant)" if p["const_b"] else "")
        cases.append(
            Case(
                "SQUARED_DIFFERENCE",
                name,
                {**p, "shapes": [list(a), list(b)]},
                desc,
                i in quick,
                lambda rng, p=p: _squared_difference(rng, p),
            )
        )
    return dedupe(cases)


def _prelu(rng, p):
    """PRELU: alpha constant (a trained weight) or an input, per channel or shared; int8
    and int16 inputs take an int8 alpha."""
    m = tb.Model()
    dtype = p["dtype"]
    shape, a_shape = p["shape"], p["alpha_shape"]
    if dtype == "float32":
        alpha = rng.uniform(-0.5, 1.5, size=a_shape).astype(np.float32)
        in_q = a_q = out_q = (None, None)
    else:
        in_lo, in_hi = float_range(rng)
        in_q = tb.quant_params(in_lo, in_hi, dtype)
        alpha_real = rng.uniform(*p["alpha_range"], size=a_shape)
        a_q = tb.quant_params(min(alpha_real.min(), 0.0), max(alpha_real.max(), 0.0), "int8")
        alpha = np.clip(np.round(alpha_real / a_q[0]) + a_q[1], -128, 127).astype(np.int8)
        lo, hi = free_output_range(min(0.0, in_lo * max(p["alpha_range"])), max(in_hi, in_lo * min(p["alpha_range"])))
        out_q = tb.quant_params(lo, hi, dtype)
        if dtype == "int16":
            in_q, out_q = (in_q[0], 0), (out_q[0], 0)
    x = m.tensor("input", shape, dtype, *in_q)
    if p["const_alpha"]:
        a = m.const("alpha", alpha, *a_q)
    else:
        a = m.tensor("alpha", a_shape, "float32" if dtype == "float32" else "int8", *a_q)
    y = m.tensor("output", shape, dtype, *out_q)
    m.op("PRELU", [x, a], [y])
    data = [random_tensor(rng, shape, dtype)]
    if not p["const_alpha"]:
        return m.build([x, a], [y]), data + [alpha]
    return m.build([x], [y]), data


def prelu_cases():
    specs = [
        dict(),
        dict(alpha_shape=[1, 1, 3]),
        dict(alpha_shape=[1]),
        dict(alpha_shape=[1, 4, 4, 3]),
        dict(alpha_range=(-0.5, 0.5)),
        dict(alpha_range=(0.5, 2.0)),
        dict(const_alpha=False),
        dict(shape=[2, 33], alpha_shape=[33]),
        dict(shape=[1, 2, 3, 2, 4], alpha_shape=[4]),
        dict(dtype="int16"),
        dict(dtype="int16", alpha_shape=[1]),
        dict(dtype="float32"),
        dict(dtype="float32", const_alpha=False, alpha_shape=[1, 4, 4, 3]),
    ]
    quick = {0, 3, 6, 9, 11}
    cases = []
    for i, s in enumerate(specs):
        p = dict(shape=[1, 4, 4, 3], alpha_shape=[3], alpha_range=(0.05, 0.3), const_alpha=True, dtype="int8")
        p.update(s)
        name = f"{_shape_name(p['shape'])}_alpha{_shape_name(p['alpha_shape'])}_{p['dtype']}"
        name += "" if p["alpha_range"] == (0.05, 0.3) or p["dtype"] == "float32" else f"_a{p['alpha_range'][0]:g}to{p['alpha_range'][1]:g}"
        name += "" if p["const_alpha"] else "_alphain"
        desc = f"PRELU {p['dtype']} {p['shape']}, alpha {p['alpha_shape']}" + ("" if p["const_alpha"] else " (an input)")
        cases.append(Case("PRELU", name, p, desc, i in quick, lambda rng, p=p: _prelu(rng, p)))
    return dedupe(cases)


def _unary_math(rng, op, p):
    """EXP, LOG, SQRT, RSQRT on float32 over a value range, or int8 RSQRT with its input
    at or above the zero point (TFLM fails the invoke on a negative one)."""
    m = tb.Model()
    dtype, shape = p["dtype"], p["shape"]
    if dtype == "float32":
        in_q = out_q = (None, None)
        lo, hi = p["range"]
        data = rng.uniform(lo, hi, size=shape).astype(np.float32)
        if p.get("log_spread"):
            data = np.exp(rng.uniform(np.log(lo), np.log(hi), size=shape)).astype(np.float32)
    else:
        in_q = tb.quant_params(*p["in_range"], dtype)
        # The output covers 1 / sqrt of the smallest positive input, one step.
        out_q = tb.quant_params(0.0, p.get("out_frac", 1.0) / np.sqrt(in_q[0]), dtype)
        data = rng.integers(in_q[1], INT_RANGES[dtype][1], size=shape, endpoint=True).astype(dtype)
    x = m.tensor("input", shape, dtype, *in_q)
    y = m.tensor("output", shape, dtype, *out_q)
    m.op(op, [x], [y])
    return m.build([x], [y]), [data]


def _unary_math_cases(op, specs, quick):
    cases = []
    for i, s in enumerate(specs):
        p = dict(shape=[1, 4, 4, 3], dtype="float32")
        p.update(s)
        name = f"{_shape_name(p['shape'])}_{p['dtype']}"
        if "range" in p:
            name += f"_{p['range'][0]:g}to{p['range'][1]:g}" + ("_log" if p.get("log_spread") else "")
        if "in_range" in p:
            name += f"_in{p['in_range'][0]:g}to{p['in_range'][1]:g}" + (f"_out{p['out_frac']:g}" if "out_frac" in p else "")
        desc = f"{op} {p['dtype']} {p['shape']}"
        cases.append(Case(op, name, p, desc, i in quick, lambda rng, p=p: _unary_math(rng, op, p)))
    return dedupe(cases)


def exp_cases():
    specs = [
        dict(range=(-10.0, 10.0)),
        dict(range=(-1.0, 1.0), shape=[2, 33]),
        dict(range=(-110.0, 95.0), shape=[64]),  # overflow to inf, subnormal and zero results
        dict(range=(-0.001, 0.001), shape=[17]),
    ]
    return _unary_math_cases("EXP", specs, quick={0, 2})


def log_cases():
    specs = [
        dict(range=(1e-3, 100.0), log_spread=True),
        dict(range=(0.5, 2.0), shape=[2, 33]),
        dict(range=(1e-40, 1e30), log_spread=True, shape=[64]),  # subnormal inputs too
        dict(range=(0.0, 1.0), shape=[17]),
    ]
    return _unary_math_cases("LOG", specs, quick={0, 2})


def sqrt_cases():
    specs = [
        dict(range=(0.0, 100.0)),
        dict(range=(1e-40, 1e30), log_spread=True, shape=[64]),
        dict(range=(0.0, 1.0), shape=[2, 33]),
    ]
    return _unary_math_cases("SQRT", specs, quick={0, 1})


def rsqrt_cases():
    specs = [
        dict(range=(0.01, 100.0)),
        dict(range=(1e-40, 1e30), log_spread=True, shape=[64]),
        dict(dtype="int8", in_range=(-1.0, 4.0)),
        dict(dtype="int8", in_range=(-0.2, 20.0), shape=[2, 33]),
        dict(dtype="int8", in_range=(-3.0, 0.5), shape=[17], out_frac=0.25),
        dict(dtype="int16", in_range=(-1.0, 4.0)),
        dict(dtype="int16", in_range=(-0.01, 300.0), shape=[2, 33], out_frac=0.5),
    ]
    return _unary_math_cases("RSQRT", specs, quick={0, 2, 3, 5})


def _l2_normalization(rng, p):
    """L2_NORMALIZATION over the last dimension; int8 output at scale 1/128, zero point
    0, as the TFLite converter writes it (TFLM's kernel assumes it)."""
    m = tb.Model()
    dtype, shape = p["dtype"], p["shape"]
    if dtype == "int8":
        in_q, out_q = qparams(rng), (1 / 128, 0)
        data = random_tensor(rng, shape, dtype)
        if p.get("zero_row"):
            data[..., 0, :] = in_q[1]
    else:
        in_q = out_q = (None, None)
        data = random_tensor(rng, shape, dtype)
        if p.get("zero_row"):
            data[..., 0, :] = 0.0
    x = m.tensor("input", shape, dtype, *in_q)
    y = m.tensor("output", shape, dtype, *out_q)
    m.op("L2_NORMALIZATION", [x], [y], "L2NormOptions", fused_activation_function=p["act"])
    return m.build([x], [y]), [data]


def l2_normalization_cases():
    specs = [
        dict(),
        dict(shape=[1, 4, 4, 16]),
        dict(shape=[3, 1]),
        dict(shape=[2, 200]),
        dict(shape=[4, 8], zero_row=True),
        dict(dtype="float32"),
        dict(dtype="float32", shape=[4, 8], zero_row=True),
        dict(act="RELU"),  # TFLM refuses a fused activation
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(shape=[1, 10], dtype="int8", act="NONE")
        p.update(s)
        name = f"{_shape_name(p['shape'])}_{p['dtype']}" + ("_zerorow" if p.get("zero_row") else "")
        name += "" if p["act"] == "NONE" else f"_{p['act'].lower()}"
        desc = f"L2_NORMALIZATION {p['dtype']} {p['shape']}"
        cases.append(Case("L2_NORMALIZATION", name, p, desc, i in {0, 3, 5}, lambda rng, p=p: _l2_normalization(rng, p)))
    return dedupe(cases)


def _log_softmax(rng, p):
    """LOG_SOFTMAX over the last dimension: int8 with the output TFLM requires (16/256,
    127), or float32."""
    m = tb.Model()
    dtype, shape = p["dtype"], p["shape"]
    if dtype == "int8":
        in_q, out_q = (p["in_scale"], int(rng.integers(-60, 60))), p.get("out_q", (16 / 256, 127))
    else:
        in_q = out_q = (None, None)
    x = m.tensor("input", shape, dtype, *in_q)
    y = m.tensor("output", shape, dtype, *out_q)
    m.op("LOG_SOFTMAX", [x], [y])
    return m.build([x], [y]), [random_tensor(rng, shape, dtype, *p.get("range", (None, None)))]


def log_softmax_cases():
    specs = [
        dict(in_scale=0.05),
        dict(in_scale=0.1, shape=[1, 33]),
        dict(in_scale=0.01, shape=[2, 7]),
        dict(in_scale=0.3, shape=[1, 4, 4, 6]),
        dict(in_scale=1.0, shape=[1, 1]),
        dict(in_scale=0.004, shape=[3, 100]),
        dict(in_scale=0.05, out_q=(1 / 256, -128)),  # TFLM refuses another output quantization
        dict(dtype="float32"),
        dict(dtype="float32", shape=[3, 33], range=(-40.0, 40.0)),
        dict(dtype="float32", shape=[1, 4, 4, 6], range=(-1.0, 1.0)),
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(shape=[1, 10], dtype="int8")
        p.update(s)
        name = f"{_shape_name(p['shape'])}_{p['dtype']}"
        name += f"_in{p['in_scale']:.4g}" if "in_scale" in p else ""
        name += f"_{p['range'][0]:g}to{p['range'][1]:g}" if "range" in p else ""
        name += "_outq" if "out_q" in p else ""
        desc = f"LOG_SOFTMAX {p['dtype']} {p['shape']}"
        cases.append(Case("LOG_SOFTMAX", name, p, desc, i in {0, 3, 7}, lambda rng, p=p: _log_softmax(rng, p)))
    return dedupe(cases)
