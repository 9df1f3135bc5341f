"""Test cases of ARG_MAX and ARG_MIN (indices along one axis) and BATCH_MATMUL."""

from __future__ import annotations

import numpy as np

import tflbuild as tb
from casekit import Case, dedupe, free_output_range, qparams, random_tensor


def _shape_name(shape):
    return "x".join(map(str, shape))


def _arg(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    q = qparams(rng, dtype) if dtype in ("int8", "int16") else (None, None)
    x = m.tensor("input", p["shape"], dtype, *q)
    rank = len(p["shape"])
    axis = p["axis"] % rank
    out = [d for i, d in enumerate(p["shape"]) if i != axis]
    ax = m.const("axis", np.asarray([p["axis"]], dtype=np.int32))
    y = m.tensor("output", out, p["out"])
    options = "ArgMaxOptions" if p["op"] == "ARG_MAX" else "ArgMinOptions"
    out_type = {"int32": tb.tflite.TensorType.INT32, "int64": tb.tflite.TensorType.INT64}[p["out"]]
    m.op(p["op"], [x, ax], [y], options, output_type=out_type)
    data = random_tensor(rng, p["shape"], dtype, *p.get("range", (None, None)))
    if p.get("nans"):
        # A few NaNs, one leading a run, to pin TFLM's comparator.
        flat = data.reshape(-1)
        flat[rng.choice(flat.size, size=max(2, flat.size // 6), replace=False)] = np.nan
        flat[0] = np.nan
    return m.build([x], [y]), [data]


def _arg_cases(op):
    specs = [
        dict(shape=[1, 10], axis=1),
        dict(shape=[1, 10], axis=-1, range=(-3, 3)),  # many ties: the first index wins
        dict(shape=[2, 5, 7], axis=1),
        dict(shape=[2, 5, 7], axis=0, range=(-1, 1)),
        dict(shape=[1, 4, 4, 6], axis=3),
        dict(shape=[1, 4, 4, 6], axis=-3),
        dict(shape=[3, 2, 2, 3, 4], axis=2),
        dict(shape=[9], axis=0),
        dict(shape=[2, 6, 5], axis=2, dtype="float32"),
        dict(shape=[4, 6], axis=0, dtype="float32", nans=True),
        # TFLM refuses these: int64 indices, int16 input.
        dict(shape=[2, 6], axis=1, out="int64"),
        dict(shape=[2, 6], axis=1, dtype="int16"),
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(op=op, dtype="int8", out="int32")
        p.update(s)
        name = f"{_shape_name(p['shape'])}_axis{p['axis']}_{p['dtype']}_{p['out']}"
        name += "_ties" if "range" in p else ""
        name += "_nans" if p.get("nans") else ""
        cases.append(
            Case(
                op,
                name,
                p,
                f"{op} of {p['dtype']} {p['shape']} along axis {p['axis']} to {p['out']}",
                i in (0, 1, 4, 9, 10),
                lambda rng, p=p: _arg(rng, p),
            )
        )
    return dedupe(cases)


def arg_max_cases():
    return _arg_cases("ARG_MAX")


def arg_min_cases():
    return _arg_cases("ARG_MIN")


def _matmul(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    qmax = 127 if dtype == "int8" else 32767

    def quant(role):
        if dtype == "int16":
            scale, _ = qparams(rng, dtype)
            return scale, (5 if p.get("int16_zp") and role == "lhs" else 0)
        if role == "rhs" and p.get("const") == "rhs" and not p.get("rhs_zp"):
            # Weights: symmetric, as the converter writes them.
            return float(rng.uniform(0.002, 0.05)), 0
        return qparams(rng, dtype)

    q_l, q_r = (quant("lhs"), quant("rhs")) if dtype != "float32" else ((None, None), (None, None))
    lshape, rshape = p["lhs"], p["rhs"]
    lrows, lcols = lshape[-2:]
    rrows, rcols = rshape[-2:]
    rows, depth = (lcols, lrows) if p["adj_x"] else (lrows, lcols)
    cols = rrows if p["adj_y"] else rcols
    lb, rb = lshape[:-2], rshape[:-2]
    n = max(len(lb), len(rb))
    lb, rb = [1] * (n - len(lb)) + lb, [1] * (n - len(rb)) + rb
    out_shape = [max(a, b) for a, b in zip(lb, rb)] + [rows, cols]
    if dtype == "float32":
        q_o = (None, None)
    else:
        # An output range from the spread of the sums (calibrated against TFLM afterwards).
        spread = 3 * np.sqrt(depth) * q_l[0] * q_r[0] * qmax * qmax / 3
        lo, hi = free_output_range(-spread, spread)
        q_o = (max(abs(lo), abs(hi)) / 32767, 0) if dtype == "int16" else tb.quant_params(lo, hi, dtype)
    data_l = random_tensor(rng, lshape, dtype)
    weights = p.get("const") == "rhs" and dtype == "int8"
    data_r = random_tensor(rng, rshape, dtype, *((-127, 127) if weights else (None, None)))
    inputs = []
    if p.get("const") == "lhs":
        x = m.tensor("lhs", lshape, dtype, *q_l, data=data_l.tobytes())
    else:
        x = m.tensor("lhs", lshape, dtype, *q_l)
        inputs.append((x, data_l))
    if p.get("const") == "rhs":
        w = m.tensor("rhs", rshape, dtype, *q_r, data=data_r.tobytes())
    else:
        w = m.tensor("rhs", rshape, dtype, *q_r)
        inputs.append((w, data_r))
    y = m.tensor("output", out_shape, dtype, *q_o)
    m.op("BATCH_MATMUL", [x, w], [y], "BatchMatMulOptions", adj_x=p["adj_x"], adj_y=p["adj_y"])
    return m.build([t for t, _ in inputs], [y]), [d for _, d in inputs]


def batch_matmul_cases():
    specs = [
        dict(lhs=[1, 4, 8], rhs=[8, 6], const="rhs"),
        dict(lhs=[2, 3, 5], rhs=[2, 5, 4]),
        dict(lhs=[2, 5, 3], rhs=[2, 5, 4], adj_x=True),
        dict(lhs=[2, 3, 5], rhs=[2, 4, 5], adj_y=True),
        dict(lhs=[2, 5, 3], rhs=[2, 4, 5], adj_x=True, adj_y=True),
        dict(lhs=[3, 7, 16], rhs=[16, 9], const="rhs", rhs_zp=True),
        dict(lhs=[2, 16, 7], rhs=[9, 16], const="rhs", adj_x=True, adj_y=True),
        dict(lhs=[1, 2, 6, 10], rhs=[2, 10, 3], const="rhs"),
        dict(lhs=[2, 1, 3, 4], rhs=[3, 4, 5]),
        dict(lhs=[3, 4], rhs=[2, 4, 5]),
        dict(lhs=[2, 1, 2, 3, 4], rhs=[1, 3, 1, 4, 2]),
        dict(lhs=[4, 6], rhs=[2, 6, 3], const="lhs"),
        dict(lhs=[1, 20, 64], rhs=[64, 32], const="rhs"),
        dict(lhs=[2, 3, 5], rhs=[2, 5, 4], dtype="int16"),
        dict(lhs=[2, 5, 3], rhs=[1, 4, 5], dtype="int16", adj_x=True, adj_y=True),
        dict(lhs=[1, 4, 24], rhs=[24, 6], const="rhs", dtype="int16"),
        dict(lhs=[2, 3, 40], rhs=[2, 40, 5], dtype="float32"),
        dict(lhs=[2, 5, 3], rhs=[1, 4, 5], dtype="float32", adj_x=True, adj_y=True),
        dict(lhs=[1, 6, 33], rhs=[33, 7], const="rhs", dtype="float32"),
        # TFLM refuses int16 with a zero point other than 0.
        dict(lhs=[2, 3, 5], rhs=[2, 5, 4], dtype="int16", int16_zp=True),
    ]
    cases = []
    for i, s in enumerate(specs):
        p = dict(dtype="int8", adj_x=False, adj_y=False, const=None)
        p.update(s)
        name = f"{_shape_name(p['lhs'])}_{_shape_name(p['rhs'])}"
        name += "_adjx" if p["adj_x"] else ""
        name += "_adjy" if p["adj_y"] else ""
        name += f"_const{p['const']}" if p["const"] else ""
        name += "_rhszp" if p.get("rhs_zp") else ""
        name += "_zp" if p.get("int16_zp") else ""
        name += f"_{p['dtype']}"
        cases.append(
            Case(
                "BATCH_MATMUL",
                name,
                p,
                f"BATCH_MATMUL {p['dtype']} {p['lhs']} x {p['rhs']}, adj_x {p['adj_x']}, adj_y {p['adj_y']}, "
                f"constant {p['const'] or 'none'}",
                i in (0, 1, 2, 6, 8, 13, 16, 19),
                lambda rng, p=p: _matmul(rng, p),
            )
        )
    return dedupe(cases)
