"""Test cases of the data-movement and reduction operators: RESHAPE, CONCATENATION,
PAD, MEAN, SUM, REDUCE_MAX, STRIDED_SLICE."""

from __future__ import annotations

import numpy as np

import tflbuild as tb
from casekit import Case, dedupe, free_output_range, qparams, random_tensor


def _q(rng, dtype):
    """Quantization of a tensor of `dtype` (int16 symmetric; none for int32/float32)."""
    if dtype in ("int8", "int16"):
        return qparams(rng, dtype)
    return (None, None)


def _shape_name(shape):
    return "x".join(map(str, shape)) if shape else "scalar"


def _reshape(rng, p):
    m = tb.Model()
    q = _q(rng, p["dtype"])
    x = m.tensor("input", p["from"], p["dtype"], *q)
    y = m.tensor("output", p["to"], p["dtype"], *q)
    if p["shape_input"]:
        shape = m.const("shape", np.asarray(p["written"], dtype=np.int32))
        m.op("RESHAPE", [x, shape], [y], "ReshapeOptions", new_shape=list(p["written"]))
    else:
        m.op("RESHAPE", [x], [y], "ReshapeOptions", new_shape=list(p["written"]))
    return m.build([x], [y]), [random_tensor(rng, p["from"], p["dtype"])]


def reshape_cases():
    specs = [
        dict(**{"from": [1, 2, 3, 4], "to": [1, 24], "written": [1, 24]}),
        dict(**{"from": [1, 2, 3, 4], "to": [4, 6], "written": [4, 6]}, shape_input=False),
        dict(**{"from": [1, 24], "to": [1, 2, 3, 4], "written": [1, -1, 3, 4]}),
        dict(**{"from": [1, 1, 1, 64], "to": [1, 64], "written": [-1, 64]}),
        dict(**{"from": [1, 5, 7], "to": [35], "written": [35]}, dtype="int16"),
        dict(**{"from": [2, 6], "to": [3, 4], "written": [3, 4]}, dtype="int32"),
        dict(**{"from": [2, 6], "to": [12], "written": [12]}, dtype="float32"),
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(shape_input=True, dtype="int8")
        p.update(s)
        name = f"{_shape_name(p['from'])}_to_{_shape_name(p['to'])}_{p['dtype']}"
        name += "" if p["shape_input"] else "_options"
        cases.append(
            Case(
                "RESHAPE",
                name,
                p,
                f"RESHAPE {p['dtype']} {p['from']} -> {p['written']}"
                + (" (shape tensor)" if p["shape_input"] else " (options only)"),
                i in (0, 1, 2),
                lambda rng, p=p: _reshape(rng, p),
            )
        )
    return cases


def _concat(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    # TFLM's int8 concatenation copies bytes: every input shares the output's quantization.
    q = _q(rng, dtype)
    xs = [m.tensor(f"input{k}", s, dtype, *q) for k, s in enumerate(p["shapes"])]
    axis = p["axis"] % len(p["shapes"][0])
    out = list(p["shapes"][0])
    out[axis] = sum(s[axis] for s in p["shapes"])
    y = m.tensor("output", out, dtype, *q)
    m.op("CONCATENATION", xs, [y], "ConcatenationOptions", axis=p["axis"], fused_activation_function="NONE")
    return m.build(xs, [y]), [random_tensor(rng, s, dtype) for s in p["shapes"]]


def concatenation_cases():
    specs = []
    for axis in [0, 1, 2, 3, -1]:
        shapes = [[1, 2, 3, 4], [1, 2, 3, 4]]
        shapes[1] = [d + (2 if i == axis % 4 else 0) for i, d in enumerate(shapes[1])]
        specs.append(dict(shapes=shapes, axis=axis))
    specs += [
        dict(shapes=[[1, 5, 3], [1, 2, 3], [1, 1, 3]], axis=1),
        dict(shapes=[[2, 3], [2, 5], [2, 1]], axis=-1),
        dict(shapes=[[1, 7], [1, 9]], axis=1, dtype="int16"),
        dict(shapes=[[3, 2], [1, 2]], axis=0, dtype="int32"),
        dict(shapes=[[1, 4], [1, 4]], axis=1, dtype="float32"),
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(dtype="int8")
        p.update(s)
        name = "_".join(_shape_name(x) for x in p["shapes"]) + f"_axis{p['axis']}_{p['dtype']}"
        cases.append(
            Case(
                "CONCATENATION",
                name,
                p,
                f"CONCATENATION {p['dtype']} of {p['shapes']} along axis {p['axis']}",
                i in (0, 3, 4, 5),
                lambda rng, p=p: _concat(rng, p),
            )
        )
    return cases


def _pad(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    q = _q(rng, dtype)
    x = m.tensor("input", p["shape"], dtype, *q)
    pads = np.asarray(p["paddings"], dtype=np.int32)
    out = [d + int(a) + int(b) for d, (a, b) in zip(p["shape"], pads)]
    pt = m.const("paddings", pads)
    # The int8 pad value is the output zero point, so output and input share quantization.
    y = m.tensor("output", out, dtype, *q)
    m.op("PAD", [x, pt], [y])
    return m.build([x], [y]), [random_tensor(rng, p["shape"], dtype)]


def pad_cases():
    specs = [
        dict(shape=[1, 4, 5, 3], paddings=[[0, 0], [1, 1], [2, 2], [0, 0]]),
        dict(shape=[1, 4, 5, 3], paddings=[[0, 0], [0, 2], [1, 0], [0, 0]]),
        dict(shape=[1, 4, 5, 3], paddings=[[0, 0], [0, 0], [0, 0], [1, 2]]),
        dict(shape=[1, 4, 5, 3], paddings=[[1, 0], [0, 1], [3, 0], [0, 0]]),
        dict(shape=[3, 4], paddings=[[1, 2], [0, 3]]),
        dict(shape=[2, 3, 4], paddings=[[0, 1], [2, 0], [1, 1]]),
        dict(shape=[1, 49, 10, 1], paddings=[[0, 0], [4, 5], [1, 2], [0, 0]]),
        dict(shape=[1, 4, 5, 3], paddings=[[0, 0], [1, 2], [2, 1], [0, 0]], dtype="int16"),
        dict(shape=[3, 4], paddings=[[1, 0], [2, 1]], dtype="int32"),
        dict(shape=[3, 4], paddings=[[1, 0], [2, 1]], dtype="float32"),
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(dtype="int8")
        p.update(s)
        pads = "_".join(f"{a}{b}" for a, b in p["paddings"])
        name = f"{_shape_name(p['shape'])}_p{pads}_{p['dtype']}"
        cases.append(
            Case(
                "PAD",
                name,
                p,
                f"PAD {p['dtype']} {p['shape']} with paddings {p['paddings']}",
                i in (0, 1, 4, 7),
                lambda rng, p=p: _pad(rng, p),
            )
        )
    return cases


def _reduce(rng, p):
    """A MEAN, SUM or REDUCE_MAX model (one ReducerOptions op over constant axes)."""
    m = tb.Model()
    dtype = p["dtype"]
    q_in = _q(rng, dtype)
    q_out = q_in
    if not p["same_quant"] and q_in[0] is not None:
        # A mean spans less than its input: start from half the input's range; a sum
        # spans more: start from the input's range times the count.
        qmin, qmax = {"int8": (-128, 127), "int16": (-32767, 32767)}[dtype]
        factor = p.get("range_factor", 0.5)
        lo, hi = q_in[0] * (qmin - q_in[1]) * factor, q_in[0] * (qmax - q_in[1]) * factor
        q_out = tb.quant_params(*free_output_range(lo, hi), dtype)
    x = m.tensor("input", p["shape"], dtype, *q_in)
    rank = len(p["shape"])
    axes = {a % rank for a in p["axes"]}
    if p["keep_dims"]:
        out = [1 if i in axes else d for i, d in enumerate(p["shape"])]
    else:
        out = [d for i, d in enumerate(p["shape"]) if i not in axes]
    ax = m.const("axes", np.asarray(p["axes"], dtype=np.int32))
    y = m.tensor("output", out, dtype, *q_out)
    m.op(p["op"], [x, ax], [y], "ReducerOptions", keep_dims=p["keep_dims"])
    return m.build([x], [y]), [random_tensor(rng, p["shape"], dtype)]


def _reduce_cases(op, specs, quick, verb, **defaults):
    """Cases of one reduction from `specs` (overrides of a [1, 6, 5, 4] int8 baseline
    with one quantization for input and output); `quick` indexes the quick subset."""
    cases = []
    for i, s in enumerate(specs):
        p = dict(op=op, shape=[1, 6, 5, 4], same_quant=True, dtype="int8")
        p.update(defaults)
        p.update(s)
        name = f"{_shape_name(p['shape'])}_axes{''.join(str(a) for a in p['axes'])}"
        name += "_keep" if p["keep_dims"] else "_drop"
        name += "" if p["same_quant"] else "_requant"
        name += f"_{p['dtype']}"
        cases.append(
            Case(
                op,
                name,
                p,
                f"{op} ({verb}) {p['dtype']} {p['shape']} over axes {p['axes']}, keep_dims {p['keep_dims']}, "
                + ("same" if p["same_quant"] else "different")
                + " input/output quantization",
                i in quick,
                lambda rng, p=p: _reduce(rng, p),
            )
        )
    return dedupe(cases)


def mean_cases():
    specs = [
        dict(axes=[1, 2], keep_dims=True),
        dict(axes=[1, 2], keep_dims=False),
        dict(axes=[1, 2], keep_dims=True, same_quant=False),
        dict(axes=[1, 2], keep_dims=False, same_quant=False),
        dict(axes=[2, 1], keep_dims=True),
        dict(axes=[1], keep_dims=True),
        dict(axes=[2], keep_dims=False, same_quant=False),
        dict(axes=[3], keep_dims=True),
        dict(axes=[-1], keep_dims=False, same_quant=False),
        dict(axes=[1, 2, 3], keep_dims=False),
        dict(axes=[1], keep_dims=False, shape=[2, 3, 4]),
        dict(axes=[1, 2], keep_dims=True, shape=[1, 25, 5, 64], same_quant=False),
        dict(axes=[1, 2], keep_dims=True, dtype="int16"),
        dict(axes=[1, 2], keep_dims=False, dtype="int16", same_quant=False),
    ]
    return _reduce_cases("MEAN", specs, (0, 1, 3, 5, 8, 12), "average")


def sum_cases():
    specs = [
        dict(axes=[1, 2], keep_dims=True),
        dict(axes=[1, 2], keep_dims=False, same_quant=False),
        dict(axes=[3], keep_dims=True, same_quant=False),
        dict(axes=[-1, 1], keep_dims=False, same_quant=False),
        dict(axes=[0, 1, 2, 3], keep_dims=False, same_quant=False),
        dict(axes=[1, 1], keep_dims=True, same_quant=False),
        dict(axes=[0], keep_dims=False, shape=[3, 2, 2, 2, 5], same_quant=False),
        dict(axes=[1, 2], keep_dims=True, shape=[1, 25, 5, 64], same_quant=False),
        dict(axes=[1, 2], keep_dims=True, dtype="int16", same_quant=False),
        dict(axes=[2], keep_dims=False, dtype="int16"),
        dict(axes=[1, 2], keep_dims=False, dtype="float32"),
        dict(axes=[-1], keep_dims=True, shape=[2, 3, 40], dtype="float32"),
    ]
    return _reduce_cases("SUM", specs, (1, 3, 8, 10), "sum", range_factor=4.0)


def reduce_max_cases():
    specs = [
        dict(axes=[1, 2], keep_dims=True),
        dict(axes=[1, 2], keep_dims=False),
        dict(axes=[3], keep_dims=True),
        dict(axes=[-1, 0], keep_dims=False, shape=[3, 4, 7]),
        dict(axes=[0, 2, 4], keep_dims=True, shape=[2, 3, 2, 2, 5]),
        dict(axes=[1, 2], keep_dims=False, dtype="float32"),
        dict(axes=[0], keep_dims=True, shape=[6, 9], dtype="float32"),
        # TFLM refuses these (EvalMaxHelper): different quantization, int16.
        dict(axes=[1, 2], keep_dims=True, same_quant=False),
        dict(axes=[1, 2], keep_dims=True, dtype="int16"),
    ]
    return _reduce_cases("REDUCE_MAX", specs, (0, 3, 5, 7), "maximum")


def _slice_shape(shape, begin, end, strides, begin_mask, end_mask, shrink_mask, ellipsis_mask=0):
    """Output shape by TensorFlow's rules, which numpy slicing reproduces for these masks
    (out-of-range bounds clamp, negative indices count from the end)."""
    index = []
    for i in range(len(begin)):
        if ellipsis_mask >> i & 1:
            index.append(Ellipsis)
            continue
        if shrink_mask >> i & 1:
            index.append(begin[i])
            continue
        b = None if begin_mask >> i & 1 else begin[i]
        e = None if end_mask >> i & 1 else end[i]
        index.append(slice(b, e, strides[i]))
    return list(np.empty(shape, dtype=np.int8)[tuple(index)].shape)


def _strided_slice(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    q = _q(rng, dtype)
    x = m.tensor("input", p["shape"], dtype, *q)
    out = _slice_shape(p["shape"], p["begin"], p["end"], p["strides"], p["begin_mask"], p["end_mask"], p["shrink"], p["ellipsis"])
    ins = [x] + [m.const(k, np.asarray(p[k], dtype=np.int32)) for k in ("begin", "end", "strides")]
    y = m.tensor("output", out, dtype, *q)
    m.op(
        "STRIDED_SLICE",
        ins,
        [y],
        "StridedSliceOptions",
        begin_mask=p["begin_mask"],
        end_mask=p["end_mask"],
        ellipsis_mask=p["ellipsis"],
        new_axis_mask=0,
        shrink_axis_mask=p["shrink"],
    )
    return m.build([x], [y]), [random_tensor(rng, p["shape"], dtype)]


def strided_slice_cases():
    s4 = [1, 6, 5, 4]
    specs = [
        dict(name="interior", begin=[0, 1, 1, 0], end=[1, 5, 4, 4], strides=[1, 1, 1, 1]),
        dict(name="stride2", begin=[0, 0, 0, 0], end=[1, 6, 5, 4], strides=[1, 2, 2, 1]),
        dict(name="stride3_channels", begin=[0, 0, 0, 1], end=[1, 6, 5, 4], strides=[1, 1, 1, 3]),
        dict(name="reverse_rows", begin=[0, 5, 0, 0], end=[1, 0, 5, 4], strides=[1, -1, 1, 1], end_mask=0b0010),
        dict(name="reverse_step2", begin=[0, -1, 4, 0], end=[1, 0, 0, 4], strides=[1, -2, -2, 1]),
        dict(name="masks", begin=[7, 2, 9, 1], end=[0, 4, 0, 3], strides=[1, 1, 1, 1], begin_mask=0b0101, end_mask=0b0101),
        dict(name="negative_bounds", begin=[0, -4, -3, 0], end=[1, -1, 5, -1], strides=[1, 1, 1, 1]),
        dict(name="out_of_range_clamps", begin=[0, -100, 2, 0], end=[1, 100, 100, 4], strides=[1, 1, 1, 1]),
        dict(name="shrink_row", begin=[0, 2, 0, 0], end=[1, 3, 5, 4], strides=[1, 1, 1, 1], shrink=0b0011),
        dict(name="shrink_last", begin=[0, 0, 0, 3], end=[1, 6, 5, 4], strides=[1, 1, 1, 1], shrink=0b1000),
        dict(name="2d_stride3", shape=[7, 9], begin=[1, 0], end=[7, 9], strides=[2, 3]),
        dict(name="1d", shape=[20], begin=[3], end=[17], strides=[4]),
        dict(name="int16", begin=[0, 1, 0, 0], end=[1, 6, 5, 3], strides=[1, 2, 1, 1], dtype="int16"),
        dict(name="int32", shape=[4, 6], begin=[1, 1], end=[3, 6], strides=[1, 2], dtype="int32"),
        dict(name="float32", shape=[4, 6], begin=[0, 5], end=[4, 0], strides=[1, -1], dtype="float32"),
        # TFLM ignores ellipsis_mask and so rejects the output shape TensorFlow gives;
        # the generator records the case as skipped with that message.
        dict(name="ellipsis", begin=[0, 1], end=[1, 3], strides=[1, 1], ellipsis=0b0001),
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(shape=s4, begin_mask=0, end_mask=0, shrink=0, ellipsis=0, dtype="int8")
        p.update(s)
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}"
        cases.append(
            Case(
                "STRIDED_SLICE",
                p["name"],
                p,
                f"STRIDED_SLICE {p['dtype']} {p['shape']} begin {p['begin']} end {p['end']} strides {p['strides']} "
                f"begin_mask {p['begin_mask']:#b} end_mask {p['end_mask']:#b} shrink {p['shrink']:#b}",
                i in (0, 1, 3, 5, 8, 12),
                lambda rng, p=p: _strided_slice(rng, p),
            )
        )
    return cases
