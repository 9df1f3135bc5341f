"""Build small int8 TFLite models (one or a few operators) for kernel tests.

The models are written with the flatbuffers builder and the builder functions that the
`tflite` package generates from TFLite's schema: schema version 3, file identifier
"TFL3", buffer 0 empty (as the converter writes it), constant tensors in their own
16-byte aligned buffers, per-tensor or per-channel affine quantization, builtin options.

Example:

    m = Model()
    x = m.tensor("x", [1, 4], "int8", scale=0.1, zero_point=-3)
    w = m.const("w", weights_int8, scale=0.02, zero_point=0)
    b = m.const("b", bias_int32, scale=0.1 * 0.02, zero_point=0)
    y = m.tensor("y", [1, 2], "int8", scale=0.2, zero_point=5)
    m.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions",
         fused_activation_function="RELU")
    tflite_bytes = m.build(inputs=[x], outputs=[y])

Quantization helpers (`quant_params`, `quantize`) follow the TFLite quantization spec.
"""

from __future__ import annotations

import math

import flatbuffers
import numpy as np
import tflite

#: Tensor types by numpy-ish name.
TENSOR_TYPES = {
    "float32": tflite.TensorType.FLOAT32,
    "int8": tflite.TensorType.INT8,
    "uint8": tflite.TensorType.UINT8,
    "int16": tflite.TensorType.INT16,
    "int32": tflite.TensorType.INT32,
    "uint32": tflite.TensorType.UINT32,
    "int64": tflite.TensorType.INT64,
    "bool": tflite.TensorType.BOOL,
}

#: Option fields that take enum names, and where the names live.
_ENUM_FIELDS = {
    "padding": tflite.Padding,
    "fused_activation_function": tflite.ActivationFunctionType,
}

#: Value used for an absent optional operator input.
ABSENT = -1


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_"))


class Model:
    """A single-subgraph TFLite model under construction."""

    def __init__(self, description: str = "cargo-tinyml oracle test model"):
        self.description = description
        self.tensors: list[dict] = []
        self.buffers: list[bytes] = [b""]  # buffer 0: the empty sentinel
        self.operators: list[dict] = []
        self.opcodes: list[int | str] = []  # builtin codes, or custom operator names

    # Tensors ------------------------------------------------------------------------

    def tensor(self, name, shape, dtype, scale=None, zero_point=None, axis=0, data=None, variable=False):
        """Adds a tensor and returns its index.

        `scale`/`zero_point` may be scalars (per tensor) or sequences (per channel along
        `axis`); both None means unquantized. `data` (bytes) makes the tensor constant.
        `variable` marks recurrent state (`is_variable`: LSTM and SVDF state), which the
        interpreter keeps between invocations.
        """
        if dtype not in TENSOR_TYPES:
            raise ValueError(f"unsupported tensor type {dtype!r}")
        buffer = 0
        if data is not None:
            self.buffers.append(bytes(data))
            buffer = len(self.buffers) - 1
        quant = None
        if scale is not None:
            scales = np.atleast_1d(np.asarray(scale, dtype=np.float32))
            zps = np.atleast_1d(np.asarray(0 if zero_point is None else zero_point, dtype=np.int64))
            if zps.size == 1 and scales.size > 1:
                zps = np.repeat(zps, scales.size)
            if zps.size != scales.size:
                raise ValueError(f"tensor {name}: {scales.size} scales but {zps.size} zero points")
            quant = (scales, zps, int(axis))
        self.tensors.append(
            {
                "name": name,
                "shape": [int(d) for d in shape],
                "type": TENSOR_TYPES[dtype],
                "buffer": buffer,
                "quant": quant,
                "variable": bool(variable),
            }
        )
        return len(self.tensors) - 1

    def const(self, name, array, scale=None, zero_point=None, axis=0):
        """Adds a constant tensor holding `array` (its dtype and shape are the tensor's)."""
        array = np.ascontiguousarray(array)
        dtype = "bool" if array.dtype == np.bool_ else str(array.dtype)
        return self.tensor(
            name, list(array.shape), dtype, scale, zero_point, axis, data=array.astype(array.dtype.newbyteorder("<")).tobytes()
        )

    # Operators ----------------------------------------------------------------------

    def op(self, opcode, inputs, outputs, options=None, intermediates=(), **fields):
        """Adds an operator.

        `opcode` is a `tflite.BuiltinOperator` name ("CONV_2D"); `options` the name of
        its options table ("Conv2DOptions") with `fields` in snake case
        (`stride_w=2`, `padding="SAME"`, `fused_activation_function="RELU"`, list
        fields as Python lists of ints). `intermediates` are the operator's intermediate
        tensors (the converter writes them for quantized LSTMs).
        """
        code = getattr(tflite.BuiltinOperator, opcode)
        if code not in self.opcodes:
            self.opcodes.append(code)
        self.operators.append(
            {
                "opcode_index": self.opcodes.index(code),
                "inputs": list(inputs),
                "outputs": list(outputs),
                "options": options,
                "fields": fields,
                "intermediates": list(intermediates),
            }
        )

    def custom_op(self, name, inputs, outputs):
        """Adds a custom operator `name` (operator code CUSTOM with `custom_code` = name),
        without options, as vendor converters write theirs (NXP's `NeutronGraph`)."""
        if name not in self.opcodes:
            self.opcodes.append(name)
        self.operators.append(
            {
                "opcode_index": self.opcodes.index(name),
                "inputs": list(inputs),
                "outputs": list(outputs),
                "options": None,
                "fields": {},
                "intermediates": [],
            }
        )

    # Serialization ------------------------------------------------------------------

    def build(self, inputs, outputs) -> bytes:
        """Serializes the model with the given subgraph inputs and outputs."""
        b = flatbuffers.Builder(1024)

        buffer_offsets = [self._buffer(b, data) for data in self.buffers]
        tensor_offsets = [self._tensor(b, t) for t in self.tensors]
        operator_offsets = [self._operator(b, op) for op in self.operators]

        sg_tensors = self._vector(b, tensor_offsets)
        sg_inputs = b.CreateNumpyVector(np.asarray(inputs, dtype=np.int32))
        sg_outputs = b.CreateNumpyVector(np.asarray(outputs, dtype=np.int32))
        sg_ops = self._vector(b, operator_offsets)
        sg_name = b.CreateString("main")
        tflite.SubGraphStart(b)
        tflite.SubGraphAddTensors(b, sg_tensors)
        tflite.SubGraphAddInputs(b, sg_inputs)
        tflite.SubGraphAddOutputs(b, sg_outputs)
        tflite.SubGraphAddOperators(b, sg_ops)
        tflite.SubGraphAddName(b, sg_name)
        subgraph = b.EndObject()

        code_offsets = []
        for code in self.opcodes:
            custom = b.CreateString(code) if isinstance(code, str) else None
            if custom is not None:
                tflite.OperatorCodeStart(b)
                tflite.OperatorCodeAddDeprecatedBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
                tflite.OperatorCodeAddBuiltinCode(b, tflite.BuiltinOperator.CUSTOM)
                tflite.OperatorCodeAddCustomCode(b, custom)
                tflite.OperatorCodeAddVersion(b, 1)
                code_offsets.append(b.EndObject())
                continue
            tflite.OperatorCodeStart(b)
            # Codes above 127 live only in `builtin_code`; the deprecated int8 field then
            # holds PLACEHOLDER_FOR_GREATER_OP_CODES (127), as the converter writes it.
            tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(code, 127))
            tflite.OperatorCodeAddBuiltinCode(b, code)
            tflite.OperatorCodeAddVersion(b, 1)
            code_offsets.append(b.EndObject())

        codes = self._vector(b, code_offsets)
        subgraphs = self._vector(b, [subgraph])
        buffers = self._vector(b, buffer_offsets)
        description = b.CreateString(self.description)
        tflite.ModelStart(b)
        tflite.ModelAddVersion(b, 3)
        tflite.ModelAddOperatorCodes(b, codes)
        tflite.ModelAddSubgraphs(b, subgraphs)
        tflite.ModelAddDescription(b, description)
        tflite.ModelAddBuffers(b, buffers)
        model = b.EndObject()
        b.Finish(model, file_identifier=b"TFL3")
        return bytes(b.Output())

    @staticmethod
    def _vector(b, offsets):
        b.StartVector(4, len(offsets), 4)
        for off in reversed(offsets):
            b.PrependUOffsetTRelative(off)
        return b.EndVector()

    @staticmethod
    def _buffer(b, data: bytes):
        data_off = None
        if data:
            # 16-byte alignment lets kernels read int32 biases and wide weights in place.
            b.StartVector(1, len(data), 16)
            b.head -= len(data)
            b.Bytes[b.head : b.head + len(data)] = data
            data_off = b.EndVector()
        tflite.BufferStart(b)
        if data_off is not None:
            tflite.BufferAddData(b, data_off)
        return b.EndObject()

    @staticmethod
    def _tensor(b, t):
        quant_off = None
        if t["quant"] is not None:
            scales, zps, axis = t["quant"]
            s_off = b.CreateNumpyVector(scales.astype(np.float32))
            z_off = b.CreateNumpyVector(zps.astype(np.int64))
            tflite.QuantizationParametersStart(b)
            tflite.QuantizationParametersAddScale(b, s_off)
            tflite.QuantizationParametersAddZeroPoint(b, z_off)
            tflite.QuantizationParametersAddQuantizedDimension(b, axis)
            quant_off = b.EndObject()
        name = b.CreateString(t["name"])
        shape = b.CreateNumpyVector(np.asarray(t["shape"], dtype=np.int32))
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, shape)
        tflite.TensorAddType(b, t["type"])
        tflite.TensorAddBuffer(b, t["buffer"])
        tflite.TensorAddName(b, name)
        if quant_off is not None:
            tflite.TensorAddQuantization(b, quant_off)
        if t["variable"]:
            tflite.TensorAddIsVariable(b, True)
        return b.EndObject()

    @staticmethod
    def _options(b, name, fields):
        # Vectors must be written before the table that points at them starts.
        vectors = {k: b.CreateNumpyVector(np.asarray(v, dtype=np.int32)) for k, v in fields.items() if isinstance(v, (list, tuple))}
        getattr(tflite, f"{name}Start")(b)
        for key, value in fields.items():
            add = getattr(tflite, f"{name}Add{_camel(key)}", None)
            if add is None:
                raise ValueError(f"{name} has no field {key!r}")
            if key in vectors:
                value = vectors[key]
            elif key in _ENUM_FIELDS and isinstance(value, str):
                value = getattr(_ENUM_FIELDS[key], value)
            add(b, value)
        return b.EndObject()

    def _operator(self, b, op):
        options_off = None
        if op["options"] is not None:
            options_off = self._options(b, op["options"], op["fields"])
        ins = b.CreateNumpyVector(np.asarray(op["inputs"], dtype=np.int32))
        outs = b.CreateNumpyVector(np.asarray(op["outputs"], dtype=np.int32))
        mids = b.CreateNumpyVector(np.asarray(op["intermediates"], dtype=np.int32)) if op["intermediates"] else None
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, op["opcode_index"])
        tflite.OperatorAddInputs(b, ins)
        tflite.OperatorAddOutputs(b, outs)
        if mids is not None:
            tflite.OperatorAddIntermediates(b, mids)
        if options_off is not None:
            tflite.OperatorAddBuiltinOptionsType(b, getattr(tflite.BuiltinOptions, op["options"]))
            tflite.OperatorAddBuiltinOptions(b, options_off)
        return b.EndObject()


# Quantization helpers ---------------------------------------------------------------

_QRANGE = {"int8": (-128, 127), "uint8": (0, 255), "int16": (-32768, 32767)}


def quant_params(lo: float, hi: float, dtype: str = "int8", symmetric: bool = False):
    """Scale and zero point covering the float range [lo, hi], as the TFLite converter
    chooses them (the range is widened to include 0; int16 activations are symmetric)."""
    qmin, qmax = _QRANGE[dtype]
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if symmetric or dtype == "int16":
        bound = max(abs(lo), abs(hi)) or 1.0
        return bound / qmax, 0
    if hi == lo:
        hi = lo + 1.0
    scale = (hi - lo) / (qmax - qmin)
    zp = int(round(qmin - lo / scale))
    return scale, max(qmin, min(qmax, zp))


def quantize(x, scale, zero_point, dtype: str = "int8"):
    """round(x / scale) + zero_point, clamped, as TFLite's QUANTIZE op and converter do
    (round half away from zero)."""
    qmin, qmax = _QRANGE[dtype]
    q = np.sign(x) * np.floor(np.abs(np.asarray(x, dtype=np.float64) / scale) + 0.5) + zero_point
    return np.clip(q, qmin, qmax).astype(dtype)


def symmetric_weights(rng, shape, axis=None):
    """Random int8 weights in [-127, 127] with per-channel (along `axis`) or per-tensor
    scales, as the converter produces: each channel uses its full range."""
    w = rng.integers(-127, 128, size=shape, dtype=np.int64)
    # Make sure every channel reaches +-127 so the scale is the one a converter derives.
    if axis is None:
        w.flat[0] = 127
    else:
        idx = [0] * len(shape)
        for c in range(shape[axis]):
            idx[axis] = c
            w[tuple(idx)] = 127 if c % 2 == 0 else -127
    return w.astype(np.int8)


def conv_output_size(size: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    """Output extent of a convolution or pooling along one axis (TFLite semantics)."""
    effective = (kernel - 1) * dilation + 1
    if padding == "SAME":
        return math.ceil(size / stride)
    return (size - effective + stride) // stride
