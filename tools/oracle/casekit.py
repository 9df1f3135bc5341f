"""Shared pieces of the op test-case definitions: the Case record, value ranges and
random data drawn the way a converter-produced model would look."""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import tflbuild as tb

#: Integer ranges of the tensor types test inputs are drawn from.
INT_RANGES = {
    "int8": (-128, 127),
    "uint8": (0, 255),
    "int16": (-32768, 32767),
    "int32": (-(2**31), 2**31 - 1),
}


@dataclass
class Case:
    """One test case: a model and its inputs, built from a seeded generator."""

    op: str  # TFLite operator name, e.g. "CONV_2D"
    name: str  # unique within the op, used as a directory name
    params: dict  # what the case varies, recorded in case.json
    description: str
    quick: bool  # part of the --quick subset
    build: Callable[[np.random.Generator], tuple[bytes, list[np.ndarray]]] = field(repr=False)
    # Invocations in a row without a reset (recurrent state carried between them): with
    # more than 1, every input and expected output has a leading axis of invocations.
    invokes: int = 1

    @property
    def dir_name(self) -> str:
        return self.op.lower()


def dedupe(cases: list[Case]) -> list[Case]:
    """Drops later cases whose name repeats an earlier one (variations of a baseline
    along one axis often land on the baseline itself)."""
    seen, out = set(), []
    for c in cases:
        if c.name not in seen:
            seen.add(c.name)
            out.append(c)
    return out


def float_range(rng, width_lo=0.5, width_hi=12.0):
    """A plausible activation range: width drawn log-uniformly, 0 inside, asymmetric."""
    width = math.exp(rng.uniform(math.log(width_lo), math.log(width_hi)))
    frac = rng.uniform(0.1, 0.9)
    return -width * frac, width * (1 - frac)


def act_range(lo, hi, activation):
    """The range a converter records for an output after a fused activation."""
    if activation == "RELU":
        lo, hi = 0.0, max(hi, 1e-3)
    elif activation == "RELU6":
        lo, hi = 0.0, min(max(hi, 1e-3), 6.0)
    elif activation == "RELU_N1_TO_1":
        lo, hi = max(lo, -1.0), min(hi, 1.0)
    return lo, hi


def qparams(rng, dtype="int8", width_lo=0.5, width_hi=12.0):
    """Scale and zero point of a random plausible activation range."""
    return tb.quant_params(*float_range(rng, width_lo, width_hi), dtype)


def random_tensor(rng, shape, dtype, lo=None, hi=None):
    """Uniform random values over the type's full range (or [lo, hi])."""
    shape = tuple(shape)
    if dtype == "float32":
        lo = -10.0 if lo is None else lo
        hi = 10.0 if hi is None else hi
        return rng.uniform(lo, hi, size=shape).astype(np.float32)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    qmin, qmax = INT_RANGES[dtype]
    lo = qmin if lo is None else lo
    hi = qmax if hi is None else hi
    return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64).astype(dtype)


def weight_scales(rng, channels, per_channel=True):
    """Per-channel (or one) weight scales spread over a decade, as trained layers show."""
    n = channels if per_channel else 1
    return np.exp(rng.uniform(math.log(0.002), math.log(0.05), size=n)).astype(np.float32)


def bias_values(rng, n, in_scale, w_scales, dtype="int32"):
    """Biases with real values of a plausible size, quantized to in_scale * w_scale."""
    real = rng.normal(0.0, 0.5, size=n)
    scales = np.broadcast_to(np.asarray(w_scales, dtype=np.float64) * in_scale, (n,))
    info = np.iinfo(dtype)
    return np.clip(np.round(real / scales), info.min, info.max).astype(dtype), scales.astype(np.float32)


def dot_output_range(rng, fan_in, in_lo, in_hi, w_scales, activation):
    """An output range for a dot-product layer from the spread of its accumulators:
    +-3 standard deviations of a sum of `fan_in` products, jittered."""
    x_std = (in_hi - in_lo) / math.sqrt(12)
    w_std = float(np.mean(w_scales)) * 127 / math.sqrt(3)
    spread = 3 * math.sqrt(max(fan_in, 1)) * x_std * w_std * rng.uniform(0.5, 1.5)
    frac = rng.uniform(0.3, 0.7)
    return act_range(-spread * frac, spread * (1 - frac), activation)


#: How `free_output_range` turns an estimated range into the one written to the model;
#: the generator swaps it to calibrate outputs against TFLM (see `output_ranges`).
_output_range_hook = None


@contextlib.contextmanager
def output_ranges(hook):
    """Within the block, `free_output_range` passes its estimate through `hook(lo, hi)`.

    The generator uses it twice per case: first with a deliberately wide range, to read
    the real output range off TFLM's result, then with that observed range, so outputs
    use most of the int8 range (as a converter's calibration would make them) instead of
    an estimate that may saturate or waste most codes."""
    global _output_range_hook
    previous, _output_range_hook = _output_range_hook, hook
    try:
        yield
    finally:
        _output_range_hook = previous


def free_output_range(lo, hi, activation="NONE"):
    """The output range of an op whose output quantization is free (a converter derives
    it from calibration data), given an estimate."""
    if _output_range_hook is not None:
        lo, hi = _output_range_hook(lo, hi)
    return act_range(lo, hi, activation)
