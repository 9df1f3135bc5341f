"""Test cases of ARG_MAX and ARG_MIN (indices along one axis)."""

from __future__ import annotations

import numpy as np

import tflbuild as tb
from casekit import Case, dedupe, qparams, random_tensor


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

