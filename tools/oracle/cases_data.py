"""Test cases of the pure data-movement operators added after the first shape family:
SLICE, GATHER, TRANSPOSE, PACK, EXPAND_DIMS, ZEROS_LIKE, FILL, BROADCAST_TO and
RESIZE_NEAREST_NEIGHBOR. None of them computes on values, so each runs over every element
type TFLM's kernel names; types TFLM refuses are kept as cases the manifest lists as
skipped, with TFLM's message."""

from __future__ import annotations

import numpy as np

import tflbuild as tb
from cases_shape import _q, _shape_name
from casekit import Case, random_tensor


def _cases(op, specs, quick, build, describe):
    """One Case per spec; `quick` holds the indices of the quick subset."""
    out = []
    for i, p in enumerate(specs):
        out.append(Case(op, p["name"], p, describe(p), i in quick, lambda rng, p=p: build(rng, p)))
    return out


def _unary(rng, p, op, consts, out_shape, options=None, **fields):
    """A model of `op` over one runtime input ([input] + constant operands) -> output,
    input and output sharing one quantization (these operators copy bytes)."""
    m = tb.Model()
    dtype = p["dtype"]
    q = _q(rng, dtype)
    x = m.tensor("input", p["shape"], dtype, *q)
    ins = [x] + [m.const(name, value) for name, value in consts]
    y = m.tensor("output", out_shape, dtype, *q)
    m.op(op, ins, [y], options, **fields)
    return m.build([x], [y]), [random_tensor(rng, p["shape"], dtype)]


# SLICE ------------------------------------------------------------------------------


def _slice(rng, p):
    idx = np.int64 if p.get("int64") else np.int32
    begin, size = np.asarray(p["begin"], dtype=idx), np.asarray(p["size"], dtype=idx)
    out = [d - b if s == -1 else s for d, b, s in zip(p["shape"], p["begin"], p["size"])]
    return _unary(rng, p, "SLICE", [("begin", begin), ("size", size)], out, "SliceOptions")


def slice_cases():
    specs = [
        dict(name="interior", shape=[1, 6, 5, 4], begin=[0, 1, 2, 0], size=[1, 4, 2, 4]),
        dict(name="size_minus1", shape=[1, 6, 5, 4], begin=[0, 2, 1, 1], size=[-1, -1, 3, -1]),
        dict(name="channels", shape=[1, 3, 3, 8], begin=[0, 0, 0, 5], size=[1, 3, 3, 3]),
        dict(name="1d", shape=[20], begin=[7], size=[9]),
        dict(name="2d_int16", shape=[7, 9], begin=[2, 3], size=[4, -1], dtype="int16"),
        dict(name="3d_int32", shape=[3, 4, 5], begin=[1, 0, 2], size=[2, 4, 2], dtype="int32"),
        dict(name="float32", shape=[4, 6], begin=[1, 1], size=[3, 4], dtype="float32"),
        dict(name="bool", shape=[4, 6], begin=[0, 2], size=[2, 3], dtype="bool"),
        dict(name="5d", shape=[2, 3, 4, 3, 2], begin=[1, 1, 0, 1, 0], size=[1, 2, 3, 2, -1]),
        dict(name="int64_indices", shape=[1, 6, 5, 4], begin=[0, 1, 1, 0], size=[1, 3, 3, 2], int64=True),
        dict(name="empty_axis_whole", shape=[2, 3], begin=[0, 0], size=[2, 3]),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: f"SLICE {p['dtype']} {p['shape']} begin {p['begin']} size {p['size']}"  # noqa: E731
    return _cases("SLICE", specs, (0, 1, 4, 6, 8), _slice, describe)


# TRANSPOSE --------------------------------------------------------------------------


def _transpose(rng, p):
    out = [p["shape"][k] for k in p["perm"]]
    perm = np.asarray(p["perm"], dtype=np.int32)
    return _unary(rng, p, "TRANSPOSE", [("perm", perm)], out, "TransposeOptions")


def transpose_cases():
    specs = [
        dict(name="nhwc_to_nchw", shape=[1, 4, 5, 3], perm=[0, 3, 1, 2]),
        dict(name="nchw_to_nhwc", shape=[2, 3, 4, 5], perm=[0, 2, 3, 1]),
        dict(name="2d", shape=[7, 9], perm=[1, 0]),
        dict(name="3d", shape=[3, 4, 5], perm=[2, 0, 1]),
        dict(name="identity", shape=[3, 4, 5], perm=[0, 1, 2]),
        dict(name="1d", shape=[11], perm=[0]),
        dict(name="5d", shape=[2, 3, 2, 4, 3], perm=[4, 2, 0, 3, 1]),
        dict(name="int16", shape=[2, 5, 3], perm=[1, 2, 0], dtype="int16"),
        dict(name="float32", shape=[4, 6], perm=[1, 0], dtype="float32"),
        dict(name="int32", shape=[4, 6], perm=[1, 0], dtype="int32"),
        dict(name="bool", shape=[4, 6], perm=[1, 0], dtype="bool"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: f"TRANSPOSE {p['dtype']} {p['shape']} perm {p['perm']}"  # noqa: E731
    return _cases("TRANSPOSE", specs, (0, 2, 6, 7, 8), _transpose, describe)


# PACK -------------------------------------------------------------------------------


def _pack(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    q = _q(rng, dtype)
    xs = [m.tensor(f"input{k}", p["shape"], dtype, *q) for k in range(p["n"])]
    rank = len(p["shape"]) + 1
    axis = p["axis"] % rank
    out = list(p["shape"][:axis]) + [p["n"]] + list(p["shape"][axis:])
    y = m.tensor("output", out, dtype, *q)
    m.op("PACK", xs, [y], "PackOptions", values_count=p["n"], axis=p["axis"])
    return m.build(xs, [y]), [random_tensor(rng, p["shape"], dtype) for _ in range(p["n"])]


def pack_cases():
    specs = [
        dict(name="axis0", shape=[3, 4], n=2, axis=0),
        dict(name="axis1", shape=[3, 4], n=3, axis=1),
        dict(name="axis_last", shape=[3, 4], n=2, axis=-1),
        dict(name="4d_axis2", shape=[1, 3, 2, 5], n=4, axis=2),
        dict(name="1d", shape=[5], n=3, axis=0),
        dict(name="1d_axis1", shape=[5], n=3, axis=1),
        dict(name="one_input", shape=[2, 3], n=1, axis=1),
        dict(name="int32", shape=[2, 3], n=2, axis=1, dtype="int32"),
        dict(name="float32", shape=[2, 3], n=3, axis=0, dtype="float32"),
        dict(name="int16", shape=[2, 3], n=2, axis=1, dtype="int16"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{p['n']}x{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: f"PACK {p['dtype']} {p['n']} x {p['shape']} along axis {p['axis']}"  # noqa: E731
    return _cases("PACK", specs, (0, 1, 3, 8), _pack, describe)


# EXPAND_DIMS ------------------------------------------------------------------------


def _expand_dims(rng, p):
    rank = len(p["shape"])
    axis = p["axis"] + rank + 1 if p["axis"] < 0 else p["axis"]
    out = list(p["shape"][:axis]) + [1] + list(p["shape"][axis:])
    axis_t = np.asarray(p["axis"], dtype=np.int32).reshape(p.get("axis_shape", [1]))
    return _unary(rng, p, "EXPAND_DIMS", [("axis", axis_t)], out, "ExpandDimsOptions")


def expand_dims_cases():
    specs = [
        dict(name="axis0", shape=[3, 4], axis=0),
        dict(name="axis1", shape=[3, 4], axis=1),
        dict(name="axis_last", shape=[3, 4], axis=-1),
        dict(name="axis_end", shape=[1, 5, 4], axis=3),
        dict(name="scalar_axis", shape=[6], axis=-2, axis_shape=[]),
        dict(name="int16", shape=[2, 3, 4], axis=2, dtype="int16"),
        dict(name="float32", shape=[2, 3], axis=0, dtype="float32"),
        dict(name="int32", shape=[2, 3], axis=0, dtype="int32"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: f"EXPAND_DIMS {p['dtype']} {p['shape']} axis {p['axis']}"  # noqa: E731
    return _cases("EXPAND_DIMS", specs, (0, 2, 5), _expand_dims, describe)


# ZEROS_LIKE -------------------------------------------------------------------------


def _zeros_like(rng, p):
    return _unary(rng, p, "ZEROS_LIKE", [], p["shape"], "ZerosLikeOptions")


def zeros_like_cases():
    specs = [
        dict(name="4d", shape=[1, 4, 5, 3]),
        dict(name="1d", shape=[7]),
        dict(name="int32", shape=[2, 3], dtype="int32"),
        dict(name="float32", shape=[3, 5], dtype="float32"),
        dict(name="int16", shape=[3, 5], dtype="int16"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: f"ZEROS_LIKE {p['dtype']} {p['shape']}"  # noqa: E731
    return _cases("ZEROS_LIKE", specs, (0, 2, 3), _zeros_like, describe)


# FILL -------------------------------------------------------------------------------


def _fill(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    q = _q(rng, dtype)
    idx = np.int64 if p.get("int64") else np.int32
    dims = m.const("dims", np.asarray(p["shape"], dtype=idx))
    value = m.tensor("value", [], dtype, *q)
    y = m.tensor("output", p["shape"], dtype, *q)
    m.op("FILL", [dims, value], [y], "FillOptions")
    return m.build([value], [y]), [random_tensor(rng, [], dtype)]


def fill_cases():
    specs = [
        dict(name="4d", shape=[1, 4, 5, 3]),
        dict(name="1d", shape=[9]),
        dict(name="int64_dims", shape=[2, 3, 2], int64=True),
        dict(name="int32", shape=[2, 3], dtype="int32"),
        dict(name="float32", shape=[3, 5], dtype="float32"),
        dict(name="int16", shape=[3, 5], dtype="int16"),
        dict(name="bool", shape=[3, 5], dtype="bool"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: f"FILL {p['dtype']} {p['shape']} with a run-time scalar"  # noqa: E731
    return _cases("FILL", specs, (0, 3, 4), _fill, describe)


# BROADCAST_TO -----------------------------------------------------------------------


def _broadcast_to(rng, p):
    idx = np.int64 if p.get("int64") else np.int32
    return _unary(rng, p, "BROADCAST_TO", [("shape", np.asarray(p["to"], dtype=idx))], p["to"], "BroadcastToOptions")


def broadcast_to_cases():
    specs = [
        dict(name="rows", shape=[1, 3], to=[4, 3]),
        dict(name="columns", shape=[3, 1], to=[3, 5]),
        dict(name="new_leading_dims", shape=[4], to=[2, 3, 4]),
        dict(name="inner", shape=[2, 1, 3], to=[2, 4, 3]),
        dict(name="same", shape=[2, 3], to=[2, 3]),
        dict(name="5d", shape=[2, 1, 3, 1, 2], to=[2, 2, 3, 2, 2]),
        dict(name="int64_shape", shape=[1, 3], to=[2, 3], int64=True),
        dict(name="int16", shape=[3, 1], to=[2, 3, 4], dtype="int16"),
        dict(name="int32", shape=[1, 1, 1], to=[2, 3, 4], dtype="int32"),
        dict(name="float32", shape=[1, 4], to=[3, 4], dtype="float32"),
        dict(name="bool", shape=[2, 1], to=[2, 3], dtype="bool"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_to_{_shape_name(p['to'])}_{p['dtype']}"
    describe = lambda p: f"BROADCAST_TO {p['dtype']} {p['shape']} -> {p['to']}"  # noqa: E731
    return _cases("BROADCAST_TO", specs, (0, 2, 5, 7, 9), _broadcast_to, describe)


# RESIZE_NEAREST_NEIGHBOR ------------------------------------------------------------


def _resize_nearest(rng, p):
    n, _, _, c = p["shape"]
    h, w = p["size"]
    size = np.asarray(p["size"], dtype=np.int32)
    return _unary(
        rng,
        p,
        "RESIZE_NEAREST_NEIGHBOR",
        [("size", size)],
        [n, h, w, c],
        "ResizeNearestNeighborOptions",
        align_corners=p["align_corners"],
        half_pixel_centers=p["half_pixel_centers"],
    )


def resize_nearest_neighbor_cases():
    specs = []
    shapes = [
        ("up2", [1, 4, 4, 3], [8, 8]),
        ("down", [1, 9, 7, 2], [4, 3]),
        ("uneven", [1, 5, 3, 2], [7, 8]),
        ("to_one", [1, 5, 4, 1], [1, 1]),
    ]
    for label, shape, size in shapes:
        for ac, hp in ((False, False), (True, False), (False, True), (True, True)):
            flags = ("_align" if ac else "") + ("_half" if hp else "")
            specs.append(dict(name=label + flags, shape=shape, size=size, align_corners=ac, half_pixel_centers=hp))
    specs += [
        dict(name="batch2", shape=[2, 3, 4, 5], size=[6, 6], align_corners=False, half_pixel_centers=True),
        dict(name="int16", shape=[1, 3, 5, 2], size=[7, 4], align_corners=False, half_pixel_centers=False, dtype="int16"),
        dict(name="int16_half", shape=[1, 3, 5, 2], size=[7, 4], align_corners=False, half_pixel_centers=True, dtype="int16"),
        dict(name="float32", shape=[1, 3, 3, 2], size=[5, 5], align_corners=True, half_pixel_centers=False, dtype="float32"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_to_{_shape_name(p['size'])}_{p['dtype']}"
    describe = lambda p: (  # noqa: E731
        f"RESIZE_NEAREST_NEIGHBOR {p['dtype']} {p['shape']} to {p['size']}, align_corners {p['align_corners']}, "
        f"half_pixel_centers {p['half_pixel_centers']}"
    )
    return _cases("RESIZE_NEAREST_NEIGHBOR", specs, (0, 2, 5, 6, 9, 16, 17, 19), _resize_nearest, describe)


# GATHER -----------------------------------------------------------------------------


def _gather(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    q = _q(rng, dtype)
    shape, ishape = p["shape"], p["indices_shape"]
    rank = len(shape)
    axis = p["axis"] % rank
    bd = p["batch_dims"] % len(ishape) if p["batch_dims"] < 0 else p["batch_dims"]
    out = list(shape[:axis]) + list(ishape[bd:]) + list(shape[axis + 1 :])
    x = m.tensor("input", shape, dtype, *q)
    idx_rng = np.random.default_rng(rng.integers(1 << 62))
    indices = idx_rng.integers(0, shape[axis], size=ishape).astype(np.int32)
    if p["runtime_indices"]:
        it = m.tensor("indices", ishape, "int32")
    else:
        # Not m.const: it would make a scalar position a 1-D vector.
        it = m.tensor("indices", ishape, "int32", data=indices.astype("<i4").tobytes())
    y = m.tensor("output", out, dtype, *q)
    m.op("GATHER", [x, it], [y], "GatherOptions", axis=p["axis"], batch_dims=p["batch_dims"])
    ins = [x, it] if p["runtime_indices"] else [x]
    data = [random_tensor(rng, shape, dtype)] + ([indices] if p["runtime_indices"] else [])
    return m.build(ins, [y]), data


def gather_cases():
    specs = [
        dict(name="axis0", shape=[6, 4], indices_shape=[3], axis=0),
        dict(name="axis1", shape=[3, 7, 2], indices_shape=[5], axis=1),
        dict(name="axis_last", shape=[2, 3, 8], indices_shape=[4], axis=-1),
        dict(name="2d_indices", shape=[5, 6], indices_shape=[2, 3], axis=1),
        dict(name="scalar_index", shape=[5, 6], indices_shape=[], axis=0),
        dict(name="embedding", shape=[50, 8], indices_shape=[1, 12], axis=0),
        dict(name="batch_dims1", shape=[3, 5, 4], indices_shape=[3, 2], axis=1, batch_dims=1),
        dict(name="batch_dims_neg", shape=[2, 4, 3], indices_shape=[2, 3], axis=2, batch_dims=-1),
        dict(name="float32", shape=[6, 4], indices_shape=[5], axis=0, dtype="float32"),
        dict(name="int16", shape=[6, 4], indices_shape=[3], axis=0, dtype="int16"),
        dict(name="int32", shape=[6, 4], indices_shape=[3], axis=1, dtype="int32"),
        dict(name="runtime_indices", shape=[7, 5], indices_shape=[4], axis=0, runtime_indices=True),
        dict(name="runtime_indices_axis1", shape=[2, 9, 3], indices_shape=[2, 2], axis=1, runtime_indices=True),
        dict(name="runtime_float32", shape=[6, 4], indices_shape=[3], axis=1, runtime_indices=True, dtype="float32"),
    ]
    for p in specs:
        p.setdefault("dtype", "int8")
        p.setdefault("batch_dims", 0)
        p.setdefault("runtime_indices", False)
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: (  # noqa: E731
        f"GATHER {p['dtype']} {p['shape']} by {'run-time' if p['runtime_indices'] else 'constant'} indices "
        f"{p['indices_shape']} along axis {p['axis']}, batch_dims {p['batch_dims']}"
    )
    return _cases("GATHER", specs, (0, 1, 3, 6, 8, 11), _gather, describe)


# SPLIT, SPLIT_V, UNPACK (several outputs) ------------------------------------------


def _split_family(rng, p):
    m = tb.Model()
    dtype = p["dtype"]
    q = _q(rng, dtype)
    shape = p["shape"]
    rank = len(shape)
    axis = p["axis"] % rank
    x = m.tensor("input", shape, dtype, *q)
    axis_t = m.const("axis", np.asarray([p["axis"]], dtype=np.int32))
    if p["op"] == "UNPACK":
        sizes = [1] * shape[axis]
        out_shapes = [shape[:axis] + shape[axis + 1 :]] * shape[axis]
    elif p["op"] == "SPLIT":
        sizes = [shape[axis] // p["n"]] * p["n"]
    else:
        sizes = list(p["sizes"])
        if -1 in sizes:
            sizes[sizes.index(-1)] = shape[axis] - sum(s for s in sizes if s != -1)
    if p["op"] != "UNPACK":
        out_shapes = [shape[:axis] + [s] + shape[axis + 1 :] for s in sizes]
    ys = [m.tensor(f"output{k}", s, dtype, *q) for k, s in enumerate(out_shapes)]
    if p["op"] == "SPLIT":
        m.op("SPLIT", [axis_t, x], ys, "SplitOptions", num_splits=p["n"])
    elif p["op"] == "SPLIT_V":
        split_t = m.const("size_splits", np.asarray(p["sizes"], dtype=np.int32))
        m.op("SPLIT_V", [x, split_t, axis_t], ys, "SplitVOptions", num_splits=len(sizes))
    else:
        m.op("UNPACK", [x], ys, "UnpackOptions", num=len(ys), axis=p["axis"])
    return m.build([x], ys), [random_tensor(rng, shape, dtype)]


def _split_cases(op, specs, quick):
    for p in specs:
        p.setdefault("dtype", "int8")
        p["op"] = op
        p["name"] = f"{p['name']}_{_shape_name(p['shape'])}_{p['dtype']}"
    describe = lambda p: (  # noqa: E731
        f"{op} {p['dtype']} {p['shape']} along axis {p['axis']}"
        + (f" into {p['n']}" if "n" in p else "")
        + (f" sizes {p['sizes']}" if "sizes" in p else "")
    )
    return _cases(op, specs, quick, _split_family, describe)


def split_cases():
    specs = [
        dict(name="axis0", shape=[4, 3], axis=0, n=2),
        dict(name="channels", shape=[1, 4, 3, 6], axis=3, n=3),
        dict(name="axis_neg", shape=[2, 6, 2], axis=-2, n=2),
        dict(name="one", shape=[3, 5], axis=1, n=1),
        dict(name="int16", shape=[2, 8], axis=1, n=4, dtype="int16"),
        dict(name="int32", shape=[6, 2], axis=0, n=3, dtype="int32"),
        dict(name="float32", shape=[2, 6], axis=1, n=2, dtype="float32"),
    ]
    return _split_cases("SPLIT", specs, (0, 1, 4, 6))


def split_v_cases():
    specs = [
        dict(name="uneven", shape=[1, 7, 3], axis=1, sizes=[2, 4, 1]),
        dict(name="minus1", shape=[2, 9], axis=-1, sizes=[3, -1, 2]),
        dict(name="axis0", shape=[5, 2], axis=0, sizes=[1, 4]),
        dict(name="int16", shape=[3, 6], axis=1, sizes=[1, 5], dtype="int16"),
        dict(name="int32", shape=[4, 3], axis=0, sizes=[3, 1], dtype="int32"),
        dict(name="float32", shape=[2, 5], axis=1, sizes=[2, 3], dtype="float32"),
    ]
    return _split_cases("SPLIT_V", specs, (0, 1, 3))


def unpack_cases():
    specs = [
        dict(name="axis0", shape=[3, 4], axis=0),
        dict(name="axis1", shape=[2, 3, 4], axis=1),
        dict(name="axis_last", shape=[2, 5, 2], axis=-1),
        dict(name="int16", shape=[4, 3], axis=1, dtype="int16"),
        dict(name="int32", shape=[2, 3], axis=0, dtype="int32"),
        dict(name="float32", shape=[3, 2], axis=1, dtype="float32"),
    ]
    return _split_cases("UNPACK", specs, (0, 1, 3, 5))
