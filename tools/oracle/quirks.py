"""Write variants of real models, each carrying one quirk that TFLM's interpreter tolerates.

Converters and old tool chains write models that differ from what today's TFLite converter
writes, in ways TFLM accepts. The conformance test (`compiler/tests/import_quirks.rs`)
compiles each variant and compares it with TFLM on the same variant, so a quirk can only
ever be accepted bit-exact or refused by a named unsupported feature, never refused for
the quirk itself.

    python quirks.py --out DIR MODEL.tflite...

writes DIR/<model stem>__<quirk>.tflite for every quirk that changes something in the
model, and prints one JSON object per variant: {"model", "quirk", "path", "changed",
"tflm"}, where "changed" counts the tensors or operators touched and "tflm" is "runs" or
TFLM's refusal. Quirks (each one a TFLM behaviour, see the function's docstring):

    per_tensor_quantized_dimension  deprecated_builtin_code  shape_signature
    absent_bias  empty_buffers  bias_scale_single  bias_scale_per_channel
    no_quantization_non_int8  empty_quantization_non_int8
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import flatbuffers
import numpy as np

from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

# Builtin codes of the ops whose input 2 is an optional int32 bias.
_BIASED = {schema.BuiltinOperator.CONV_2D, schema.BuiltinOperator.DEPTHWISE_CONV_2D,
           schema.BuiltinOperator.FULLY_CONNECTED}
# The builtin code at which `deprecated_builtin_code` stops being able to hold a code.
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def _code(opcode) -> int:
    # TFLM's GetBuiltinCode: the larger of the two fields.
    return max(opcode.builtinCode, opcode.deprecatedBuiltinCode)


def _graph(model):
    return model.subgraphs[0]


def _bias_tensors(model) -> set[int]:
    g = _graph(model)
    out = set()
    for op in g.operators or []:
        if _code(model.operatorCodes[op.opcodeIndex]) in _BIASED and op.inputs is not None:
            if len(op.inputs) > 2 and op.inputs[2] >= 0:
                out.add(int(op.inputs[2]))
    return out


def _scales(t) -> int:
    q = t.quantization
    return 0 if q is None or q.scale is None else len(q.scale)


def per_tensor_quantized_dimension(model) -> int:
    """A per-tensor (one scale) tensor with `quantized_dimension` pointing past its rank, as
    in TFLM's person_detect (bias of shape [8] with quantized_dimension 3). TFLM reads the
    dimension only when there is more than one scale."""
    n = 0
    for t in _graph(model).tensors:
        if _scales(t) == 1:
            t.quantization.quantizedDimension = max(3, 0 if t.shape is None else len(t.shape))
            n += 1
    return n


def deprecated_builtin_code(model) -> int:
    """Operator codes as schema versions before 3a wrote them: the code only in the int8
    `deprecated_builtin_code` field, the int32 `builtin_code` left at its default 0."""
    n = 0
    for oc in model.operatorCodes:
        code = _code(oc)
        if 0 < code < _PLACEHOLDER_FOR_GREATER_OP_CODES:
            oc.deprecatedBuiltinCode = code
            oc.builtinCode = 0
            n += 1
    return n


def shape_signature(model) -> int:
    """A `shape_signature` with -1 for the batch dimension on every non-constant tensor (what
    the converter writes for a model with a dynamic batch); the shape itself stays 1."""
    n = 0
    for t in _graph(model).tensors:
        if t.shape is not None and len(t.shape) > 0 and not _has_data(model, t):
            sig = np.array(t.shape, dtype=np.int32)
            sig[0] = -1
            t.shapeSignature = sig
            n += 1
    return n


def absent_bias(model) -> int:
    """CONV_2D and FULLY_CONNECTED with their bias input given as tensor index -1 (an
    optional tensor left out); TFLM treats it as a zero bias. DEPTHWISE_CONV_2D keeps its
    bias: TFLM's reference depthwise kernel dereferences the bias without a check and
    crashes on such a model, so it is not a model TFLM runs."""
    n = 0
    codes = {schema.BuiltinOperator.CONV_2D, schema.BuiltinOperator.FULLY_CONNECTED}
    for op in _graph(model).operators or []:
        if _code(model.operatorCodes[op.opcodeIndex]) in codes and len(op.inputs) > 2 and op.inputs[2] >= 0:
            op.inputs[2] = -1
            n += 1
    return n


def _has_data(model, t) -> bool:
    b = model.buffers[t.buffer]
    return b.data is not None and len(b.data) > 0


def empty_buffers(model) -> int:
    """Every non-constant tensor with a buffer of its own that holds no data (older converters
    wrote one empty buffer per tensor instead of sharing buffer 0)."""
    n = 0
    for t in _graph(model).tensors:
        if not _has_data(model, t):
            buf = schema.BufferT()
            buf.data = []
            model.buffers.append(buf)
            t.buffer = len(model.buffers) - 1
            n += 1
    return n


def bias_scale_single(model) -> int:
    """Per-channel biases carrying one scale and zero point (TFLM's kernels take the bias
    scale from input and filter, so its count is not checked)."""
    n = 0
    g = _graph(model)
    for i in _bias_tensors(model):
        q = g.tensors[i].quantization
        if _scales(g.tensors[i]) > 1:
            q.scale = [q.scale[0]]
            q.zeroPoint = [q.zeroPoint[0]]
            q.quantizedDimension = 0
            n += 1
    return n


def bias_scale_per_channel(model) -> int:
    """Per-tensor biases written with one (equal) scale per output channel."""
    n = 0
    g = _graph(model)
    for i in _bias_tensors(model):
        t = g.tensors[i]
        channels = int(t.shape[-1]) if t.shape is not None and len(t.shape) else 0
        if _scales(t) == 1 and channels > 1:
            t.quantization.scale = [t.quantization.scale[0]] * channels
            t.quantization.zeroPoint = [t.quantization.zeroPoint[0]] * channels
            t.quantization.quantizedDimension = 0
            n += 1
    return n


def _non_int8(model):
    g = _graph(model)
    biases = _bias_tensors(model)
    quantized = {schema.TensorType.INT8, schema.TensorType.INT16}
    for i, t in enumerate(g.tensors):
        if t.type not in quantized and i not in biases and t.quantization is not None:
            yield t


def no_quantization_non_int8(model) -> int:
    """No quantization table at all on tensors outside the quantized path (float edges,
    int32 shapes and indices)."""
    n = 0
    for t in _non_int8(model):
        t.quantization = None
        n += 1
    return n


def empty_quantization_non_int8(model) -> int:
    """An empty quantization table (no scales, no zero points) on tensors outside the
    quantized path, as some converters write for every tensor."""
    n = 0
    for t in _non_int8(model):
        t.quantization = schema.QuantizationParametersT()
        n += 1
    return n


QUIRKS = {f.__name__: f for f in [
    per_tensor_quantized_dimension, deprecated_builtin_code, shape_signature, absent_bias,
    empty_buffers, bias_scale_single, bias_scale_per_channel, no_quantization_non_int8,
    empty_quantization_non_int8,
]}


def load(path: Path):
    buf = path.read_bytes()
    return schema.ModelT.InitFromPackedBuf(bytearray(buf), 0)


def pack(model) -> bytes:
    b = flatbuffers.Builder(1 << 20)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def tflm_verdict(path: Path) -> str:
    """"runs" when TFLM loads the model and runs it on zero inputs, else its refusal. Runs in
    a child process: TFLM's Python wrapper crashes on some models (a null bias in
    DEPTHWISE_CONV_2D, for one) instead of refusing them."""
    import subprocess

    child = subprocess.run([sys.executable, __file__, "--verdict", str(path)], capture_output=True, text=True)
    if child.returncode < 0:
        return f"crashes (signal {-child.returncode})"
    return child.stdout.strip() or f"refused: exit {child.returncode}: {child.stderr.strip()[-300:]}"


def _verdict_here(path: Path) -> str:
    sys.path.insert(0, str(Path(__file__).parent))
    import tflm_reference as ref

    data = path.read_bytes()
    try:
        it = ref.interpreter(data)
        details = ref.describe(it)["inputs"]
        inputs = [np.zeros(d["shape"], dtype=d["dtype"]) for d in details]
        ref.run(data, inputs, it)
        return "runs"
    except Exception as e:  # OracleError, or RuntimeError from a failed Invoke
        return f"refused: {type(e).__name__}: {e}"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("models", nargs="*", type=Path, help=".tflite files to write variants of")
    p.add_argument("--out", type=Path, help="folder for the variants")
    p.add_argument("--verdict", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--quirk", action="append", choices=sorted(QUIRKS), help="only these quirks")
    p.add_argument("--no-tflm", action="store_true", help="do not ask TFLM whether each variant runs")
    args = p.parse_args(argv)
    if args.verdict:
        print(_verdict_here(args.verdict))
        return 0
    if args.out is None or not args.models:
        p.error("give --out DIR and at least one model")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.models:
        for name in args.quirk or QUIRKS:
            model = load(path)
            changed = QUIRKS[name](model)
            if changed == 0:
                continue
            data = pack(model)
            out = args.out / f"{path.stem}__{name}.tflite"
            out.write_bytes(data)
            verdict = "unchecked" if args.no_tflm else tflm_verdict(out)
            print(json.dumps({"model": path.name, "quirk": name, "path": str(out), "changed": changed, "tflm": verdict}),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
