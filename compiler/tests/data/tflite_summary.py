#!/usr/bin/env python3
"""Prints a JSON summary of .tflite models, read with the flatc-generated `tflite`
Python package (PyPI `tflite`), an implementation independent of cargo-tinyml's importer.

Usage: tflite_summary.py MODEL.tflite...   (prints {"<file name>": summary, ...})

compiler/tests/import_models.rs compares this summary with what the Rust importer reads.
Regenerate the committed copy with:
    python compiler/tests/data/tflite_summary.py tests/data/*/*.tflite \
        > compiler/tests/data/model_summaries.json
"""
import json
import os
import sys

import tflite
from tflite.utils import opcode2name

TYPE_NAMES = {v: k for k, v in vars(tflite.TensorType).items() if not k.startswith("_")}
OPTION_NAMES = {v: k for k, v in vars(tflite.BuiltinOptions).items() if not k.startswith("_")}


def opcode_name(code):
    builtin = max(code.DeprecatedBuiltinCode(), code.BuiltinCode())
    if builtin == tflite.BuiltinOperator.CUSTOM:
        return code.CustomCode().decode()
    return opcode2name(builtin)


def options(op):
    """A few option fields, as the Rust test checks them."""
    kind = OPTION_NAMES.get(op.BuiltinOptionsType(), "NONE")
    table = op.BuiltinOptions()
    out = {"type": kind}
    if table is None:
        return out
    def load(cls):
        o = cls()
        o.Init(table.Bytes, table.Pos)
        return o
    if kind == "Conv2DOptions":
        o = load(tflite.Conv2DOptions)
        out.update(padding=o.Padding(), stride_w=o.StrideW(), stride_h=o.StrideH(),
                   dilation_w=o.DilationWFactor(), dilation_h=o.DilationHFactor(),
                   activation=o.FusedActivationFunction())
    elif kind == "DepthwiseConv2DOptions":
        o = load(tflite.DepthwiseConv2DOptions)
        out.update(padding=o.Padding(), stride_w=o.StrideW(), stride_h=o.StrideH(),
                   dilation_w=o.DilationWFactor(), dilation_h=o.DilationHFactor(),
                   depth_multiplier=o.DepthMultiplier(), activation=o.FusedActivationFunction())
    elif kind == "Pool2DOptions":
        o = load(tflite.Pool2DOptions)
        out.update(padding=o.Padding(), stride_w=o.StrideW(), stride_h=o.StrideH(),
                   filter_w=o.FilterWidth(), filter_h=o.FilterHeight(),
                   activation=o.FusedActivationFunction())
    elif kind == "TransposeConvOptions":
        o = load(tflite.TransposeConvOptions)
        out.update(padding=o.Padding(), stride_w=o.StrideW(), stride_h=o.StrideH(),
                   activation=o.FusedActivationFunction())
    elif kind == "FullyConnectedOptions":
        o = load(tflite.FullyConnectedOptions)
        out.update(activation=o.FusedActivationFunction(), keep_num_dims=bool(o.KeepNumDims()),
                   weights_format=o.WeightsFormat())
    elif kind == "SVDFOptions":
        o = load(tflite.SVDFOptions)
        out.update(rank=o.Rank(), activation=o.FusedActivationFunction(),
                   asymmetric_quantize_inputs=bool(o.AsymmetricQuantizeInputs()))
    elif kind == "SoftmaxOptions":
        out.update(beta=load(tflite.SoftmaxOptions).Beta())
    elif kind == "LeakyReluOptions":
        out.update(alpha=load(tflite.LeakyReluOptions).Alpha())
    elif kind == "ConcatenationOptions":
        o = load(tflite.ConcatenationOptions)
        out.update(axis=o.Axis(), activation=o.FusedActivationFunction())
    elif kind in ("AddOptions", "SubOptions", "MulOptions", "DivOptions", "L2NormOptions"):
        out.update(activation=load(getattr(tflite, kind)).FusedActivationFunction())
    elif kind == "ReshapeOptions":
        o = load(tflite.ReshapeOptions)
        out.update(new_shape=None if o.NewShapeIsNone() else [int(x) for x in o.NewShapeAsNumpy()])
    elif kind == "BatchMatMulOptions":
        o = load(tflite.BatchMatMulOptions)
        out.update(adj_x=bool(o.AdjX()), adj_y=bool(o.AdjY()))
    elif kind == "ReducerOptions":
        out.update(keep_dims=bool(load(tflite.ReducerOptions).KeepDims()))
    elif kind == "UnidirectionalSequenceLSTMOptions":
        o = load(tflite.UnidirectionalSequenceLSTMOptions)
        out.update(activation=o.FusedActivationFunction(), cell_clip=o.CellClip(), proj_clip=o.ProjClip(),
                   time_major=bool(o.TimeMajor()))
    elif kind == "StridedSliceOptions":
        o = load(tflite.StridedSliceOptions)
        out.update(begin_mask=o.BeginMask(), end_mask=o.EndMask(), ellipsis_mask=o.EllipsisMask(),
                   new_axis_mask=o.NewAxisMask(), shrink_axis_mask=o.ShrinkAxisMask(),
                   offset=bool(o.Offset()))
    elif kind == "GatherOptions":
        o = load(tflite.GatherOptions)
        out.update(axis=o.Axis(), batch_dims=o.BatchDims())
    elif kind == "PackOptions":
        o = load(tflite.PackOptions)
        out.update(count=o.ValuesCount(), axis=o.Axis())
    elif kind == "UnpackOptions":
        o = load(tflite.UnpackOptions)
        out.update(count=o.Num(), axis=o.Axis())
    elif kind in ("SplitOptions", "SplitVOptions"):
        out.update(num_splits=load(getattr(tflite, kind)).NumSplits())
    elif kind == "ResizeNearestNeighborOptions":
        o = load(tflite.ResizeNearestNeighborOptions)
        out.update(align_corners=bool(o.AlignCorners()), half_pixel_centers=bool(o.HalfPixelCenters()))
    return out


def ints(is_none, as_numpy):
    return [] if is_none() else [int(x) for x in as_numpy()]


def summary(path):
    buf = open(path, "rb").read()
    m = tflite.Model.GetRootAs(buf, 0)
    g = m.Subgraphs(0)
    tensors = []
    for i in range(g.TensorsLength()):
        t = g.Tensors(i)
        b = m.Buffers(t.Buffer())
        data_len = 0 if b.DataIsNone() else b.DataLength()
        q = t.Quantization()
        quant = None
        if q is not None and not q.ScaleIsNone() and q.ScaleLength() > 0:
            quant = {
                "scale": [float(x) for x in q.ScaleAsNumpy()],
                "zero_point": ints(q.ZeroPointIsNone, q.ZeroPointAsNumpy),
                "axis": q.QuantizedDimension(),
            }
        tensors.append({
            "name": t.Name().decode(),
            "shape": ints(t.ShapeIsNone, t.ShapeAsNumpy),
            "type": TYPE_NAMES[t.Type()],
            "data_len": data_len,
            "is_variable": bool(t.IsVariable()),
            "quant": quant,
        })
    operators = []
    for i in range(g.OperatorsLength()):
        op = g.Operators(i)
        operators.append({
            "op": opcode_name(m.OperatorCodes(op.OpcodeIndex())),
            "inputs": ints(op.InputsIsNone, op.InputsAsNumpy),
            "outputs": ints(op.OutputsIsNone, op.OutputsAsNumpy),
            "options": options(op),
            "custom_options_len": 0 if op.CustomOptionsIsNone() else op.CustomOptionsLength(),
        })
    return {
        "version": m.Version(),
        "description": (m.Description() or b"").decode(),
        "subgraphs": m.SubgraphsLength(),
        "inputs": ints(g.InputsIsNone, g.InputsAsNumpy),
        "outputs": ints(g.OutputsIsNone, g.OutputsAsNumpy),
        "tensors": tensors,
        "operators": operators,
    }


if __name__ == "__main__":
    result = {os.path.basename(p): summary(p) for p in sorted(sys.argv[1:], key=os.path.basename)}
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
