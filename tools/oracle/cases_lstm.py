"""Test cases of UNIDIRECTIONAL_SEQUENCE_LSTM: TFLM's integer LSTM (int8 activations with
int32 biases, int16 activations with int64 biases; int8 weights, int16 cell state), the
hidden and cell states as variable tensors carried from one invoke to the next.

TFLM's micro kernel is the standard Keras LSTM: 24 inputs, the four gates' input and
recurrent weights and biases, no peephole, projection or layer norm, no CIFG. It ignores
the converter's intermediate tensors (gates are Q3.12 in, Q0.15 out, fixed), so the
crafted models have none. The output is the hidden state of every step: TFLM copies the
hidden state's bytes, so the output tensor carries the hidden state's quantization, as
the converter writes it.

`mnist_*` stands in for TFLM's `trained_lstm_int8` example (examples/mnist_lstm: a
Keras LSTM of 20 units over 28 rows of 28 pixels, batch 1, batch major, cell scale
2^-11), with the five intermediate tensors the converter adds."""

from __future__ import annotations

import math

import numpy as np

import tflbuild as tb
from casekit import Case, qparams, random_tensor

OP = "UNIDIRECTIONAL_SEQUENCE_LSTM"

#: Standard deviation of int8 weights drawn uniformly from [-127, 127].
_W_STD = 127 / math.sqrt(3)


def _weights(rng, m, name, rows, cols, x_std, target):
    """Per-tensor symmetric int8 weights whose dot products with inputs of real standard
    deviation `x_std` spread about `target` (in real units, gates' inputs saturate at 8)."""
    w = tb.symmetric_weights(rng, [rows, cols])
    scale = target / (_W_STD * x_std * math.sqrt(cols))
    return m.const(name, w, scale=scale), scale


def _lstm(rng, p):
    m = tb.Model()
    act = p["dtype"]
    B, T, I, S = p["batch"], p["time"], p["input"], p["units"]
    time_major = p["time_major"]
    if act == "int8":
        in_scale, in_zp = qparams(rng, "int8", 0.5, 4.0)
        # The hidden state o * tanh(c) lies in (-1, 1); a calibrated range is narrower.
        h_lo, h_hi = -rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0)
        h_scale, h_zp = tb.quant_params(h_lo, h_hi, "int8")
        bias_type = np.int32
    else:
        in_scale, in_zp = rng.uniform(0.5, 4.0) / 32767, 0
        h_scale, h_zp = rng.uniform(0.5, 1.0) / 32767, 0
        bias_type = np.int64
    in_scale, h_scale = p.get("in_scale", in_scale), p.get("h_scale", h_scale)
    in_zp, h_zp = p.get("in_zp", in_zp), p.get("h_zp", h_zp)
    x_shape = [T, B, I] if time_major else [B, T, I]
    y_shape = [T, B, S] if time_major else [B, T, S]
    x = m.tensor("input", x_shape, act, scale=in_scale, zero_point=in_zp)
    qmin, qmax = (-128, 127) if act == "int8" else (-32768, 32767)
    x_std = (qmax - qmin) * in_scale / math.sqrt(12)
    # Gates input, forget, cell, output (TFLM's tensor order); spread of their inputs.
    spread = p.get("spread", 2.0)
    w_in, w_rec, biases = [], [], []
    for g in ("input", "forget", "cell", "output"):
        t, s = _weights(rng, m, f"{g}_input_weights", S, I, x_std, spread * rng.uniform(0.5, 1.5))
        w_in.append((t, s))
    for g in ("input", "forget", "cell", "output"):
        t, _ = _weights(rng, m, f"{g}_recurrent_weights", S, S, 0.5, spread * rng.uniform(0.5, 1.5))
        w_rec.append(t)
    for g, (_, w_scale) in zip(("input", "forget", "cell", "output"), w_in):
        # Keras initializes the forget gate's bias to 1.
        real = rng.normal(1.0 if g == "forget" else 0.0, 0.5, size=S)
        b_scale = in_scale * w_scale
        info = np.iinfo(bias_type)
        q = np.clip(np.round(real / b_scale), info.min, info.max).astype(bias_type)
        biases.append(m.const(f"{g}_gate_bias", q, scale=b_scale))
    variant = p.get("variant")
    h = m.tensor("output_state", [B, S], act, scale=h_scale, zero_point=h_zp, variable=variant != "state_not_variable")
    c = m.tensor("cell_state", [B, S], "int16", scale=p["cell_scale"], zero_point=0, variable=True)
    y = m.tensor("output", y_shape, act, scale=h_scale, zero_point=h_zp)
    A = tb.ABSENT
    peephole, projection, layer_norm = [A, A, A], [A, A], [A, A, A, A]
    if variant == "peephole":
        peephole = [m.const(f"cell_to_{g}_weights", tb.symmetric_weights(rng, [S]), scale=0.01) for g in ("input", "forget", "output")]
    elif variant == "projection":
        projection = [m.const("projection_weights", tb.symmetric_weights(rng, [S, S]), scale=0.01), A]
    elif variant == "layer_norm":
        layer_norm = [m.const(f"{g}_layer_norm", np.full(S, 16384, np.int16), scale=2.0**-14) for g in ("input", "forget", "cell", "output")]
    elif variant == "cifg":
        w_in[0], w_rec[0], biases[0] = (A, None), A, A
    inputs = [x] + [t for t, _ in w_in] + w_rec + peephole + biases + projection + [h, c] + layer_norm
    intermediates = []
    if p.get("intermediates"):
        # As the converter writes them for the old kernel: the four gates' calibrated
        # int16 scales and the hidden state's int8 one, empty (TFLM refuses intermediate
        # tensors of a non-zero size). TFLM's kernel ignores them.
        for g in ("input", "forget", "cell", "output"):
            intermediates.append(m.tensor(f"{g}_gate_intermediate", [0], "int16", scale=rng.uniform(1, 8) / 32767))
        intermediates.append(m.tensor("hidden_intermediate", [0], "int8", scale=h_scale, zero_point=h_zp))
    m.op(
        OP,
        inputs,
        [y],
        "UnidirectionalSequenceLSTMOptions",
        intermediates=intermediates,
        fused_activation_function="TANH",
        cell_clip=p["cell_clip"],
        proj_clip=p["proj_clip"],
        time_major=time_major,
    )
    # Several invokes: one input per invoke along a leading axis (casekit.Case.invokes).
    data = random_tensor(rng, ([p["invokes"]] if p["invokes"] > 1 else []) + x_shape, act)
    return m.build([x], [y]), [data]


def lstm_cases():
    base = dict(
        dtype="int8",
        batch=1,
        time=3,
        input=4,
        units=5,
        time_major=False,
        cell_scale=2.0**-11,
        cell_clip=0.0,
        proj_clip=0.0,
        invokes=1,
    )
    specs = [
        # TFLM's trained_lstm_int8 (examples/mnist_lstm): 28 steps of 28 inputs, 20 units.
        dict(name="mnist_b1_t28_i28_s20", time=28, input=28, units=20, invokes=2, intermediates=True),
        dict(name="b1_t3_i4_s5"),
        dict(name="b1_t1_i1_s1", time=1, input=1, units=1),
        dict(name="b2_t4_i3_s7", batch=2, time=4, input=3, units=7),
        dict(name="b2_t4_i3_s7_time_major", batch=2, time=4, input=3, units=7, time_major=True),
        dict(name="b3_t2_i6_s4_time_major", batch=3, time=2, input=6, units=4, time_major=True),
        dict(name="b1_t5_i16_s32", time=5, input=16, units=32),
        dict(name="b2_t6_i10_s12_invokes3", batch=2, time=6, input=10, units=12, invokes=3),
        dict(name="b2_t3_i5_s6_time_major_invokes4", batch=2, time=3, input=5, units=6, time_major=True, invokes=4),
        # Gate inputs past Q3.12's +-8 saturate the fully connected layers and their sum.
        dict(name="saturating_gates", time=6, input=8, units=8, spread=12.0, invokes=2),
        dict(name="quiet_gates", time=6, input=8, units=8, spread=0.2),
        # Cell clipping: the cell state grows past the clip with saturating gates.
        dict(name="cell_clip", time=8, input=6, units=6, spread=6.0, cell_clip=1.5, invokes=2),
        dict(name="cell_clip_below_scale", time=4, input=6, units=6, spread=6.0, cell_clip=2.0**-13),
        # This TFLM does not check the sign of cell_clip: a negative one does not clip.
        dict(name="negative_cell_clip", time=8, input=6, units=6, spread=6.0, cell_clip=-1.5),
        # TFLM has no projection: proj_clip has no effect.
        dict(name="proj_clip_ignored", proj_clip=0.5),
        # The cell state's scale sets the tanh's input shift (left, none, right).
        dict(name="cell_scale_2e-10", cell_scale=2.0**-10, spread=5.0, time=6),
        dict(name="cell_scale_2e-12", cell_scale=2.0**-12, spread=4.0, time=6),
        dict(name="cell_scale_2e-13", cell_scale=2.0**-13, spread=4.0, time=6),
        dict(name="cell_scale_2e-15", cell_scale=2.0**-15),
        dict(name="int16_cell_scale_2e-13", dtype="int16", cell_scale=2.0**-13, spread=4.0, time=6),
        dict(name="int16_cell_scale_2e-15", dtype="int16", cell_scale=2.0**-15, spread=4.0, time=6),
        dict(name="int16_cell_scale_not_pow2", dtype="int16", cell_scale=0.0003, spread=4.0, time=6),
        # Not a power of two: TFLM rounds its log2 for the tanh, the products use it.
        dict(name="cell_scale_not_pow2", cell_scale=0.0004, spread=4.0, time=6),
        dict(name="zero_points_extreme", in_zp=127, h_zp=-128, h_scale=1 / 255.0, time=5),
        # 16x8: int16 activations, int64 biases.
        dict(name="int16_b1_t3_i4_s5", dtype="int16"),
        dict(name="int16_b2_t4_i3_s7_time_major", dtype="int16", batch=2, time=4, input=3, units=7, time_major=True),
        dict(name="int16_b2_t5_i6_s8_invokes3", dtype="int16", batch=2, time=5, input=6, units=8, invokes=3),
        dict(name="int16_cell_clip", dtype="int16", time=8, input=6, units=6, spread=6.0, cell_clip=1.5),
        dict(name="int16_mnist", dtype="int16", time=28, input=28, units=20),
        # Refused by TFLM (recorded as skipped with its message); cargo-tinyml refuses them
        # too (compiler/src/ops/lstm.rs tests).
        dict(name="refused_state_not_variable", variant="state_not_variable"),
        dict(name="refused_peephole", variant="peephole"),
        dict(name="refused_projection", variant="projection"),
        dict(name="refused_layer_norm", variant="layer_norm"),
        dict(name="refused_cifg", variant="cifg"),
    ]
    quick = {"mnist_b1_t28_i28_s20", "b2_t4_i3_s7_time_major", "b2_t6_i10_s12_invokes3", "cell_clip", "int16_b1_t3_i4_s5"}
    cases = []
    for s in specs:
        p = dict(base)
        p.update(s)
        layout = "[T, B, I]" if p["time_major"] else "[B, T, I]"
        cases.append(
            Case(
                OP,
                p["name"],
                p,
                f"{OP} {p['dtype']} batch {p['batch']} time {p['time']} input {p['input']} units {p['units']} "
                f"{layout}, cell scale {p['cell_scale']:g}, cell_clip {p['cell_clip']:g}, {p['invokes']} invokes",
                p["name"] in quick,
                lambda rng, p=p: _lstm(rng, p),
                invokes=p["invokes"],
            )
        )
    return cases
