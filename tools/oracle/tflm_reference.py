#!/usr/bin/env python3
"""Run a .tflite model in the TFLite Micro reference interpreter (the correctness oracle).

    tflm_reference.py MODEL --input IN.npy [--input IN2.npy ...] --output OUT.npy [--output OUT2.npy ...]
    tflm_reference.py MODEL --describe

Inputs are .npy files of each model input's exact type and shape, in the model's input
order; one --output per model output (fewer are allowed: the remaining outputs are not
written). With --batch, every input has one extra leading axis of N runs; the model runs
N times from a freshly reset state and every output gets the same leading axis.
--describe prints the model's inputs and outputs as JSON.

`cargo tinyml validate --reference tflite-micro` calls this script; keep its interface
and exit codes stable:

    0  success
    2  bad command line (argparse)
    3  tflite_micro or numpy is not installed
    4  TFLM cannot load or prepare the model
    5  an input file is unreadable or does not match the model's input
    6  TFLM failed while running the model
    7  an output file cannot be written
"""

from __future__ import annotations

import argparse
import json
import os
import sys

EXIT_OK = 0
EXIT_MISSING_DEPS = 3
EXIT_MODEL = 4
EXIT_INPUT = 5
EXIT_INVOKE = 6
EXIT_OUTPUT = 7

INSTALL_HINT = "pip install -r tools/oracle/requirements.txt"

#: Arena given to TFLM on top of its own heuristic (10x the model size), because small
#: test models can have activations far larger than their weights.
EXTRA_ARENA_BYTES = 16 << 20


class OracleError(Exception):
    """A failure with the exit code that reports it."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


def load_runtime():
    """Imports the TFLM interpreter, or raises OracleError naming the install command."""
    try:
        import numpy  # noqa: F401
        from tflite_micro.python.tflite_micro import runtime
    except ImportError as e:
        raise OracleError(
            EXIT_MISSING_DEPS,
            f"the TFLite Micro Python interpreter is not available ({e}); install it with:\n  {INSTALL_HINT}",
        ) from e
    return runtime


def interpreter(model_bytes: bytes):
    """A TFLM interpreter for the model, or OracleError(EXIT_MODEL)."""
    runtime = load_runtime()
    n_in, n_out = io_counts(model_bytes)
    try:
        it = runtime.Interpreter.from_bytes(bytes(model_bytes), arena_size=len(model_bytes) * 10 + EXTRA_ARENA_BYTES)
        it.oracle_io = (n_in, n_out)
        return it
    except Exception as e:  # TFLM raises RuntimeError, the flatbuffer reader struct.error...
        raise OracleError(EXIT_MODEL, f"TFLM cannot load the model: {type(e).__name__}: {e}") from e


def io_counts(model_bytes: bytes):
    """Numbers of inputs and outputs of the model's first subgraph, read from the file
    (the TFLM wrapper has no query for them and logs to stderr when probed)."""
    try:
        import tflite

        sg = tflite.Model.GetRootAs(bytes(model_bytes), 0).Subgraphs(0)
        return sg.InputsLength(), sg.OutputsLength()
    except ImportError as e:
        raise OracleError(EXIT_MISSING_DEPS, f"the tflite package is not available ({e}); install it with:\n  {INSTALL_HINT}") from e
    except Exception as e:
        raise OracleError(EXIT_MODEL, f"cannot read the model's subgraph: {type(e).__name__}: {e}") from e


def describe(it) -> dict:
    """The model's inputs and outputs: dtype, shape, quantization."""

    def one(d):
        q = d["quantization_parameters"]
        return {
            "dtype": d["dtype"].__name__,
            "shape": [int(x) for x in d["shape"]],
            "scales": [float(x) for x in q["scales"]],
            "zero_points": [int(x) for x in q["zero_points"]],
            "quantized_dimension": int(q["quantized_dimension"]),
        }

    n_in, n_out = it.oracle_io
    return {
        "inputs": [one(it.get_input_details(i)) for i in range(n_in)],
        "outputs": [one(it.get_output_details(i)) for i in range(n_out)],
    }


def check_inputs(it, inputs, batch: bool):
    """Raises OracleError(EXIT_INPUT) unless `inputs` match the model's inputs."""
    import numpy as np

    details = describe(it)["inputs"]
    if len(inputs) != len(details):
        raise OracleError(EXIT_INPUT, f"the model has {len(details)} inputs, {len(inputs)} given")
    runs = None
    for k, (x, d) in enumerate(zip(inputs, details)):
        shape = list(x.shape[1:]) if batch else list(x.shape)
        if batch:
            if x.ndim == 0:
                raise OracleError(EXIT_INPUT, f"input {k}: --batch needs a leading axis of runs")
            if runs is not None and x.shape[0] != runs:
                raise OracleError(EXIT_INPUT, f"input {k} has {x.shape[0]} runs, input 0 has {runs}")
            runs = x.shape[0]
        if x.dtype != np.dtype(d["dtype"]) or shape != d["shape"]:
            raise OracleError(
                EXIT_INPUT,
                f"input {k} is {x.dtype}{shape}, the model expects {d['dtype']}{d['shape']}",
            )
    return runs


def run(model_bytes: bytes, inputs, it=None):
    """Runs one inference; returns every output as a numpy array."""
    it = it or interpreter(model_bytes)
    check_inputs(it, inputs, batch=False)
    return _invoke(it, inputs)


def _invoke(it, inputs):
    try:
        for k, x in enumerate(inputs):
            it.set_input(x, k)
        it.invoke()
        return [it.get_output(k).copy() for k in range(it.oracle_io[1])]
    except Exception as e:
        raise OracleError(EXIT_INVOKE, f"TFLM failed to run the model: {type(e).__name__}: {e}") from e


def run_sequence(model_bytes: bytes, inputs):
    """Runs the model once per entry of the inputs' leading axis WITHOUT resetting in
    between, so recurrent state (variable tensors) carries from one invocation to the
    next; returns outputs stacked along a new leading axis."""
    import numpy as np

    it = interpreter(model_bytes)
    runs = check_inputs(it, inputs, batch=True)
    results = [_invoke(it, [x[r] for x in inputs]) for r in range(runs)]
    n_out = it.oracle_io[1]
    return [np.stack([res[k] for res in results]) for k in range(n_out)]


def run_batch(model_bytes: bytes, inputs):
    """Runs the model once per entry of the inputs' leading axis, resetting state between
    runs; returns outputs stacked along a new leading axis."""
    import numpy as np

    it = interpreter(model_bytes)
    runs = check_inputs(it, inputs, batch=True)
    results = []
    for r in range(runs):
        if r:
            it.reset()
        results.append(_invoke(it, [x[r] for x in inputs]))
    n_out = it.oracle_io[1]
    return [np.stack([res[k] for res in results]) for k in range(n_out)]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Run a .tflite model in the TFLite Micro reference interpreter.")
    p.add_argument("model", help=".tflite file")
    p.add_argument("--input", action="append", default=[], metavar="IN.npy", help="model input k, in order")
    p.add_argument("--output", action="append", default=[], metavar="OUT.npy", help="where to write model output k")
    p.add_argument("--batch", action="store_true", help="inputs carry a leading axis of independent runs")
    p.add_argument("--describe", action="store_true", help="print inputs and outputs as JSON and exit")
    args = p.parse_args(argv)
    if not args.describe and not args.output:
        p.error("give at least one --output (or --describe)")

    try:
        load_runtime()
        import numpy as np

        try:
            with open(args.model, "rb") as f:
                model_bytes = f.read()
        except OSError as e:
            raise OracleError(EXIT_MODEL, f"cannot read {args.model}: {e}") from e
        it = interpreter(model_bytes)
        if args.describe:
            print(json.dumps(describe(it), indent=2))
            return EXIT_OK
        inputs = []
        for path in args.input:
            try:
                inputs.append(np.load(path, allow_pickle=False))
            except (OSError, ValueError) as e:
                raise OracleError(EXIT_INPUT, f"cannot read {path}: {e}") from e
        if args.batch:
            outputs = run_batch(model_bytes, inputs)
        else:
            outputs = run(model_bytes, inputs, it)
        if len(args.output) > len(outputs):
            raise OracleError(EXIT_OUTPUT, f"{len(args.output)} --output given, the model has {len(outputs)} outputs")
        for path, y in zip(args.output, outputs):
            try:
                parent = os.path.dirname(path)
                if parent:
                    os.makedirs(parent, exist_ok=True)
                # An open file, because np.save appends ".npy" to other names.
                with open(path, "wb") as f:
                    np.save(f, np.ascontiguousarray(y), allow_pickle=False)
            except OSError as e:
                raise OracleError(EXIT_OUTPUT, f"cannot write {path}: {e}") from e
    except OracleError as e:
        print(f"tflm_reference: error: {e}", file=sys.stderr)
        return e.code
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
