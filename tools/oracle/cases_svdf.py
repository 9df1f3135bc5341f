"""Test cases of SVDF, the stateful layer of streaming keyword spotting models.

SVDF keeps a variable tensor (the activation state, `batches x filters*memory`) that
TFLM resets once and carries across invokes, so every case runs several invokes
(`invokes`, more than the memory size so that the state fills and wraps). Cases vary
rank, memory size, feature and filter counts, batch 1 and 2, every fused activation
(TFLM's integer kernel ignores it), int16 and int8 time weights and state (the int8
state with non-zero zero points, as quantized KWS models have), and float32. Two
multi-layer cases stand in for TFLM's `keyword_scrambled_8bit` benchmark model (int16
input, QUANTIZE, SVDF layers with int8 state and time weights, FULLY_CONNECTED,
SOFTMAX with int16 output)."""

from __future__ import annotations

import math

import numpy as np

import tflbuild as tb
from casekit import Case, dedupe, dot_output_range, float_range, free_output_range, random_tensor, weight_scales


def _units(p):
    return p["filters"] // p["rank"]


def _invokes(p):
    # Enough invokes to fill each filter's memory and shift it past its first values.
    return min(p["memory"] + 3, 12)


def _svdf_layer(m, rng, name, x, in_range, batch, input_size, p, out_range=None):
    """Adds one int8 SVDF layer reading tensor `x` (real range `in_range`);
    returns (output tensor, its real range, its scale). `out_range` None makes the
    output quantization free (calibrated against TFLM by the generator)."""
    filters, memory, units = p["filters"], p["memory"], _units(p)
    wt_dtype = p["state"]
    wf_s = float(weight_scales(rng, 1, per_channel=False)[0])
    wf = m.const(f"{name}_weights_feature", tb.symmetric_weights(rng, [filters, input_size]), wf_s, 0)
    # The state holds the feature projections: its range is the spread of a dot product
    # of `input_size` terms. int16 states are symmetric; int8 ones asymmetric.
    st_lo, st_hi = dot_output_range(rng, input_size, in_range[0], in_range[1], [wf_s], "NONE")
    st_s, st_zp = tb.quant_params(st_lo, st_hi, wt_dtype)
    if "state_zp" in p:
        st_zp = p["state_zp"]
    wt_max = 32767 if wt_dtype == "int16" else 127
    wt_s = float(np.exp(rng.uniform(math.log(0.2), math.log(1.0)))) / wt_max
    wt = rng.integers(-wt_max, wt_max, size=(filters, memory), endpoint=True).astype(wt_dtype)
    wt_t = m.const(f"{name}_weights_time", wt, wt_s, 0)
    # TFLM requires the bias and its scale to be state scale x time weights scale
    # (within 1e-5); its values are of the size of the output.
    b_s = np.float32(st_s) * np.float32(wt_s)
    bias = np.clip(np.round(rng.normal(0.0, 0.3, size=units) / b_s), -(2**31), 2**31 - 1).astype(np.int32)
    b = m.const(f"{name}_bias", bias, b_s, 0)
    state = m.tensor(f"{name}_state", [batch, filters * memory], wt_dtype, st_s, st_zp, variable=True)
    est = dot_output_range(rng, p["rank"] * memory, st_lo, st_hi, [wt_s * wt_max / 127], "NONE")
    lo, hi = free_output_range(*est) if out_range is None else out_range(est)
    out_s, out_zp = tb.quant_params(lo, hi, "int8")
    y = m.tensor(f"{name}_output", [batch, units], "int8", out_s, out_zp)
    m.op("SVDF", [x, wf, wt_t, b, state], [y], "SVDFOptions", rank=p["rank"], fused_activation_function=p["act"])
    return y, (lo, hi), out_s


def _svdf(rng, p):
    m = tb.Model()
    batch, invokes = p["batch"], _invokes(p)
    lo, hi = float_range(rng)
    in_s, in_zp = tb.quant_params(lo, hi, "int8")
    x = m.tensor("input", [batch, p["input"]], "int8", in_s, in_zp)
    y, _, _ = _svdf_layer(m, rng, "svdf", x, (lo, hi), batch, p["input"], p)
    return m.build([x], [y]), [random_tensor(rng, [invokes, batch, p["input"]], "int8")]


def _svdf_float(rng, p):
    m = tb.Model()
    batch, filters, memory, units = p["batch"], p["filters"], p["memory"], _units(p)
    x = m.tensor("input", [batch, p["input"]], "float32")
    wf = m.const("weights_feature", rng.normal(0.0, 0.5, size=(filters, p["input"])).astype(np.float32))
    wt = m.const("weights_time", rng.normal(0.0, 0.5, size=(filters, memory)).astype(np.float32))
    b = m.const("bias", rng.normal(0.0, 1.0, size=units).astype(np.float32))
    state = m.tensor("state", [batch, filters * memory], "float32", variable=True)
    y = m.tensor("output", [batch, units], "float32")
    m.op("SVDF", [x, wf, wt, b, state], [y], "SVDFOptions", rank=p["rank"], fused_activation_function=p["act"])
    inputs = random_tensor(rng, [_invokes(p), batch, p["input"]], "float32", -2.0, 2.0)
    return m.build([x], [y]), [inputs]


def _fully_connected(m, rng, name, x, in_range, in_s, batch, depth, units, out_range):
    w_s = float(weight_scales(rng, 1, per_channel=False)[0])
    w = m.const(f"{name}_weights", tb.symmetric_weights(rng, [units, depth]), w_s, 0)
    bias = np.clip(np.round(rng.normal(0.0, 0.3, size=units) / (in_s * w_s)), -(2**31), 2**31 - 1).astype(np.int32)
    b = m.const(f"{name}_bias", bias, np.float32(in_s) * np.float32(w_s), 0)
    lo, hi = out_range if out_range else dot_output_range(rng, depth, in_range[0], in_range[1], [w_s], "NONE")
    out_s, out_zp = tb.quant_params(lo, hi, "int8")
    y = m.tensor(f"{name}_output", [batch, units], "int8", out_s, out_zp)
    m.op("FULLY_CONNECTED", [x, w, b], [y], "FullyConnectedOptions", fused_activation_function="NONE")
    return y, (lo, hi), out_s


def _kws_stack(rng, p):
    """A streaming KWS network of SVDF layers: int16 features, QUANTIZE to int8, the SVDF
    layers (each with a bottleneck FULLY_CONNECTED before the next one when
    `bottleneck`), a FULLY_CONNECTED classifier and an int8-to-int16 SOFTMAX, as in
    TFLM's keyword_scrambled_8bit benchmark model."""
    m = tb.Model()
    batch, features = p["batch"], p["input"]
    feat_s = 0.000625
    lo, hi = -feat_s * 32768 * 0.5, feat_s * 32767 * 0.5
    in_s, in_zp = tb.quant_params(lo, hi, "int8")
    x = m.tensor("features_int8", [batch, features], "int8", in_s, in_zp)
    if p.get("int8_input"):
        first = x
    else:
        first = m.tensor("features", [batch, features], "int16", feat_s, 0)
        m.op("QUANTIZE", [first], [x])
    rng_range = (lo, hi)
    depth = features
    for k, layer in enumerate(p["layers"]):
        lp = dict(rank=layer["rank"], filters=layer["filters"], memory=layer["memory"], state="int8", act="NONE")
        if "state_zp" in layer:
            lp["state_zp"] = layer["state_zp"]

        def widen(est):
            return est[0] * 2.0, est[1] * 2.0

        x, rng_range, in_s = _svdf_layer(m, rng, f"svdf{k}", x, rng_range, batch, depth, lp, out_range=widen)
        depth = layer["filters"] // layer["rank"]
        if layer.get("bottleneck"):
            x, rng_range, in_s = _fully_connected(m, rng, f"fc{k}", x, rng_range, in_s, batch, depth, layer["bottleneck"], None)
            depth = layer["bottleneck"]
    # Logits of a few units either side of 0, so that the softmax is not one-hot.
    logits, _, _ = _fully_connected(m, rng, "classifier", x, rng_range, in_s, batch, depth, p["classes"], (-5.0, 4.0))
    y = m.tensor("probabilities", [batch, p["classes"]], "int16", 1.0 / 65536, -32768)
    m.op("SOFTMAX", [logits], [y], "SoftmaxOptions", beta=1.0)
    if p.get("int8_input"):
        inputs = random_tensor(rng, [p["invokes"], batch, features], "int8")
    else:
        inputs = random_tensor(rng, [p["invokes"], batch, features], "int16", -12000, 12000)
    return m.build([first], [y]), [inputs]


#: The end-to-end model of `compiler/tests/svdf_kws.rs` (`svdf_kws.py`): SVDF -> SVDF ->
#: FULLY_CONNECTED -> SOFTMAX on int8 features, streamed over many frames.
KWS_E2E = dict(
    batch=1,
    input=40,
    classes=4,
    int8_input=True,
    layers=[dict(filters=32, rank=1, memory=10, state_zp=-20), dict(filters=24, rank=2, memory=6, state_zp=9)],
)


def kws_e2e(seed: int, frames: int):
    """The end-to-end model and `frames` int8 feature frames (one per invoke)."""
    p = dict(KWS_E2E, invokes=frames)
    return _kws_stack(np.random.default_rng(seed), p)


_BASE = dict(batch=1, input=12, filters=8, rank=2, memory=4, act="NONE", state="int16")


def svdf_cases():
    vary = [
        dict(rank=1),
        dict(rank=4),
        dict(rank=8),
        dict(memory=1),
        dict(memory=2),
        dict(memory=10),
        dict(input=1),
        dict(input=40),
        dict(input=96, filters=32, rank=1, memory=8),
        dict(filters=2, rank=1),
        dict(filters=24, rank=3),
        dict(batch=2),
        dict(batch=2, rank=1, memory=6, input=5),
        dict(act="RELU"),
        dict(act="RELU6"),
        dict(act="RELU_N1_TO_1"),
        dict(act="TANH"),
        dict(act="SIGN_BIT"),
        dict(state="int8"),
        dict(state="int8", rank=1, memory=8, filters=16),
        dict(state="int8", batch=2, memory=3),
        dict(state="int8", state_zp=-50),
        dict(state="int8", state_zp=37, rank=1),
        dict(state="int8", state_zp=-128, act="RELU"),
        dict(state="int16", state_zp=0, batch=2, rank=4, filters=16, memory=5),
    ]
    quick = {0, 2, 4, 12, 14, 19, 21, 22}
    cases = []
    for i, changes in enumerate([{}] + vary):
        p = dict(_BASE)
        p.update(changes)
        name = f"in{p['input']}_f{p['filters']}_r{p['rank']}_m{p['memory']}_{p['act'].lower()}"
        name += "" if p["batch"] == 1 else f"_b{p['batch']}"
        name += "" if p["state"] == "int16" else "_int8state"
        name += "" if "state_zp" not in p or p["state"] == "int16" else f"_zp{p['state_zp']}"
        cases.append(
            Case(
                "SVDF",
                name,
                p,
                f"SVDF int8 input {p['batch']}x{p['input']}, {p['filters']} filters of rank {p['rank']}, "
                f"memory {p['memory']}, {p['state']} time weights and state, {p['act']}, {_invokes(p)} invokes",
                i in quick,
                lambda rng, p=p: _svdf(rng, p),
                invokes=_invokes(p),
            )
        )
    for i, changes in enumerate(
        [dict(), dict(act="RELU"), dict(act="RELU6", batch=2), dict(act="RELU_N1_TO_1", rank=1, memory=7)]
    ):
        p = dict(_BASE)
        p.update(changes)
        name = f"float32_in{p['input']}_f{p['filters']}_r{p['rank']}_m{p['memory']}_{p['act'].lower()}"
        name += "" if p["batch"] == 1 else f"_b{p['batch']}"
        cases.append(
            Case(
                "SVDF",
                name,
                p,
                f"SVDF float32 input {p['batch']}x{p['input']}, {p['filters']} filters of rank {p['rank']}, "
                f"memory {p['memory']}, {p['act']}, {_invokes(p)} invokes",
                i < 2,
                lambda rng, p=p: _svdf_float(rng, p),
                invokes=_invokes(p),
            )
        )
    stacks = [
        # keyword_scrambled_8bit's shape: 96 features, SVDF layers of 64 filters with a
        # memory of 8, rank 1, int8 state with non-zero zero points, 16-unit bottlenecks.
        (
            "kws_scrambled_like",
            dict(
                batch=1,
                input=96,
                classes=4,
                invokes=12,
                layers=[
                    dict(filters=64, rank=1, memory=8, state_zp=-50, bottleneck=16),
                    dict(filters=64, rank=1, memory=8, state_zp=10, bottleneck=16),
                    dict(filters=64, rank=1, memory=8, state_zp=-2),
                ],
            ),
        ),
        # SVDF -> SVDF -> FULLY_CONNECTED -> SOFTMAX, batch 2, rank 2.
        (
            "svdf_svdf_fc_softmax_b2",
            dict(
                batch=2,
                input=20,
                classes=3,
                invokes=9,
                layers=[dict(filters=16, rank=2, memory=5), dict(filters=12, rank=2, memory=3, state_zp=-7)],
            ),
        ),
    ]
    for name, p in stacks:
        cases.append(
            Case(
                "SVDF",
                name,
                p,
                f"int16 features {p['batch']}x{p['input']} -> QUANTIZE -> {len(p['layers'])} SVDF layers "
                f"-> FULLY_CONNECTED -> SOFTMAX int16, {p['invokes']} invokes",
                True,
                lambda rng, p=p: _kws_stack(rng, p),
                invokes=p["invokes"],
            )
        )
    return dedupe(cases)
