#!/usr/bin/env python3
"""Generate per-operator test cases with expected outputs from TFLite Micro.

    gen_op_cases.py OUT_DIR [--seed S] [--quick] [--ops conv_2d,softmax] [--jobs N]

For every case: OUT_DIR/<op>/<case>/model.tflite, input_<k>.npy (random, seeded),
expected_<k>.npy (TFLM's outputs) and case.json (op, parameters, description, tensor
types and shapes). OUT_DIR/manifest.json lists the cases written and the cases TFLM
rejected, with TFLM's own message as the reason; the Rust harness reads it.

The output is a pure function of the seed, the generator sources and the TFLM version:
each case draws from its own generator seeded by (seed, op, case name), so selecting a
subset (--quick, --ops) does not change any case's data.

Exit codes: 0 success, 2 bad command line, 3 tflite_micro/numpy/tflite missing,
8 a case could not be built (a bug in the generator).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import tflm_reference as ref  # noqa: E402

EXIT_GENERATOR_BUG = 8


def all_cases():
    """Every case of every op, in a stable order."""
    import cases_data as da
    import cases_elementwise as ew
    import cases_lstm as lstm
    import cases_nn as nn
    import cases_reduce as rd
    import cases_shape as sh
    import cases_svdf as sv

    families = [
        nn.conv_cases,
        nn.depthwise_cases,
        nn.transpose_conv_cases,
        nn.fully_connected_cases,
        nn.average_pool_cases,
        nn.max_pool_cases,
        ew.add_cases,
        ew.mul_cases,
        ew.softmax_cases,
        ew.logistic_cases,
        ew.tanh_cases,
        sh.reshape_cases,
        sh.concatenation_cases,
        sh.pad_cases,
        sh.mean_cases,
        sh.sum_cases,
        sh.reduce_max_cases,
        rd.arg_max_cases,
        rd.arg_min_cases,
        rd.batch_matmul_cases,
        ew.quantize_cases,
        ew.dequantize_cases,
        sh.strided_slice_cases,
        ew.cast_cases,
        ew.minimum_cases,
        ew.maximum_cases,
        ew.relu_cases,
        ew.relu6_cases,
        ew.leaky_relu_cases,
        ew.hard_swish_cases,
        ew.squared_difference_cases,
        ew.prelu_cases,
        ew.exp_cases,
        ew.log_cases,
        ew.sqrt_cases,
        ew.rsqrt_cases,
        ew.l2_normalization_cases,
        ew.log_softmax_cases,
        sv.svdf_cases,
        lstm.lstm_cases,
        da.slice_cases,
        da.gather_cases,
        da.transpose_cases,
        da.pack_cases,
        da.expand_dims_cases,
        da.zeros_like_cases,
        da.fill_cases,
        da.broadcast_to_cases,
        da.resize_nearest_neighbor_cases,
        da.split_cases,
        da.split_v_cases,
        da.unpack_cases,
    ]
    return [c for f in families for c in f()]


def case_seed(seed: int, op: str, name: str) -> list[int]:
    """A per-case seed independent of which other cases are generated."""
    digest = hashlib.sha256(f"{op}/{name}".encode()).digest()
    return [seed, int.from_bytes(digest[:8], "little")]


def run_isolated(model: bytes, inputs, invokes: int = 1):
    """Runs TFLM in a forked child so that a crash or abort inside TFLM on a model it
    does not support skips the case instead of killing the generator. Returns
    (outputs, None) or (None, reason). With `invokes` > 1 the inputs carry a leading
    axis of invocations run in a row without a reset (see casekit.Case.invokes)."""
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        result, log = os.path.join(tmp, "out.npz"), os.path.join(tmp, "stderr")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child
            code = 0
            try:
                fd = os.open(log, os.O_WRONLY | os.O_CREAT)
                os.dup2(fd, 2)
                outs = ref.run_sequence(model, inputs) if invokes > 1 else ref.run(model, inputs)
                np.savez(result, *outs)
            except ref.OracleError as e:
                print(str(e), file=sys.stderr)
                code = e.code
            except BaseException:
                traceback.print_exc()
                code = 1
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        with open(log, errors="replace") as f:
            # TFLM logs the failing check before the wrapper raises; keep both, compactly.
            message = " | ".join(line.strip() for line in f if line.strip())
        if os.WIFSIGNALED(status):
            return None, f"TFLM crashed (signal {os.WTERMSIG(status)}): {message}"
        code = os.WEXITSTATUS(status)
        if code == ref.EXIT_MISSING_DEPS:
            raise ref.OracleError(code, message)
        if code != 0:
            return None, message or f"TFLM failed (exit {code})"
        with np.load(result, allow_pickle=False) as z:
            return [z[f"arr_{k}"] for k in range(len(z.files))], None


def output_quant(model: bytes):
    """Scale and zero point of the model's first output (None if unquantized)."""
    import tflite

    sg = tflite.Model.GetRootAs(model, 0).Subgraphs(0)
    q = sg.Tensors(sg.Outputs(0)).Quantization()
    if q is None or q.ScaleLength() == 0:
        return None
    return float(q.Scale(0)), int(q.ZeroPoint(0))


#: Calibration: first build with the estimated output range widened this much, widen
#: again while TFLM's result still touches an end of the range.
WIDEN = 8.0
MAX_WIDENINGS = 4


def build_case(case, seed):
    """Builds the model and inputs of a case. Ops whose output quantization is free are
    calibrated against TFLM first (see casekit.output_ranges). Returns (model, inputs,
    outputs or None, skip reason or None, calibration record or None)."""
    import numpy as np

    import casekit

    def build(hook):
        rng = np.random.default_rng(case_seed(seed, case.op, case.name))
        calls = []

        def recording(lo, hi):
            calls.append((lo, hi))
            return hook(lo, hi) if hook else (lo, hi)

        with casekit.output_ranges(recording):
            model, inputs = case.build(rng)
        return model, inputs, bool(calls)

    factor = WIDEN
    model, inputs, free = build(lambda lo, hi: (lo * factor, hi * factor))
    if not free:
        outputs, reason = run_isolated(model, inputs, case.invokes)
        return model, inputs, outputs, reason, None
    for _ in range(MAX_WIDENINGS):
        outputs, reason = run_isolated(model, inputs, case.invokes)
        if outputs is None:
            return model, inputs, None, reason, None
        scale, zp = output_quant(model)
        info = np.iinfo(outputs[0].dtype)
        real = (outputs[0].astype(np.float64) - zp) * scale
        lo_cap, hi_cap = (info.min - zp) * scale, (info.max - zp) * scale
        touches = (lo_cap < 0 and real.min() <= lo_cap * 0.99) or real.max() >= hi_cap * 0.99
        if not touches:
            break
        factor *= WIDEN
        model, inputs, _ = build(lambda lo, hi: (lo * factor, hi * factor))
    # Calibrate to the observed range, shrunk a little at random so the extremes clip
    # now and then, as they do when calibration data differs from test data.
    jitter = np.random.default_rng(case_seed(seed, case.op, case.name) + [1]).uniform(0.92, 1.06, size=2)
    observed = (float(real.min()), float(real.max()))
    # 0 must be representable (as the converter ensures); shrink the range around it.
    final = (min(observed[0], 0.0) * jitter[0], max(observed[1], 0.0) * jitter[1])
    model, inputs, _ = build(lambda lo, hi: final)
    outputs, reason = run_isolated(model, inputs, case.invokes)
    return model, inputs, outputs, reason, {"observed_output_range": observed, "output_range": final}


def describe_arrays(arrays):
    return [{"dtype": str(a.dtype), "shape": list(a.shape)} for a in arrays]


def generate(out_dir: str, seed: int, quick: bool, ops: set[str] | None, log=sys.stderr) -> dict:
    import numpy as np

    written, skipped = [], []
    for case in all_cases():
        if quick and not case.quick:
            continue
        if ops is not None and case.dir_name not in ops:
            continue
        try:
            model, inputs, outputs, reason, calibration = build_case(case, seed)
        except ref.OracleError:
            raise
        except Exception as e:
            raise ref.OracleError(EXIT_GENERATOR_BUG, f"cannot build {case.op}/{case.name}: {e!r}") from e
        rel = f"{case.dir_name}/{case.name}"
        if outputs is None:
            skipped.append({"op": case.op, "case": case.name, "reason": reason})
            print(f"skip {rel}: {reason}", file=log)
            continue
        d = os.path.join(out_dir, rel)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "model.tflite"), "wb") as f:
            f.write(model)
        for k, x in enumerate(inputs):
            with open(os.path.join(d, f"input_{k}.npy"), "wb") as f:
                np.save(f, x, allow_pickle=False)
        for k, y in enumerate(outputs):
            with open(os.path.join(d, f"expected_{k}.npy"), "wb") as f:
                np.save(f, y, allow_pickle=False)
        meta = {
            "op": case.op,
            "case": case.name,
            "description": case.description,
            "params": case.params,
            "seed": seed,
            "invokes": case.invokes,
            "calibration": calibration,
            "inputs": describe_arrays(inputs),
            "outputs": describe_arrays(outputs),
        }
        with open(os.path.join(d, "case.json"), "w") as f:
            json.dump(meta, f, indent=1, default=str)
            f.write("\n")
        written.append(
            {
                "op": case.op,
                "case": case.name,
                "dir": rel,
                "inputs": len(inputs),
                "outputs": len(outputs),
                "invokes": case.invokes,
            }
        )
    manifest = {"seed": seed, "quick": quick, "cases": written, "skipped": skipped}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Generate per-op test cases with TFLM reference outputs.")
    p.add_argument("out_dir")
    p.add_argument("--seed", type=int, default=1, help="seed of all random data (default 1)")
    p.add_argument("--quick", action="store_true", help="a representative subset (for CI)")
    p.add_argument("--ops", help="comma-separated op directories to generate, e.g. conv_2d,softmax")
    args = p.parse_args(argv)
    ops = {o.strip().lower() for o in args.ops.split(",") if o.strip()} if args.ops else None
    try:
        ref.load_runtime()
        import tflite  # noqa: F401
    except ref.OracleError as e:
        print(f"gen_op_cases: error: {e}", file=sys.stderr)
        return e.code
    except ImportError as e:
        print(f"gen_op_cases: error: {e}; install with:\n  {ref.INSTALL_HINT}", file=sys.stderr)
        return ref.EXIT_MISSING_DEPS
    try:
        m = generate(args.out_dir, args.seed, args.quick, ops)
    except ref.OracleError as e:
        print(f"gen_op_cases: error: {e}", file=sys.stderr)
        return e.code
    print(f"{len(m['cases'])} cases written to {args.out_dir}, {len(m['skipped'])} skipped (TFLM rejects them)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
