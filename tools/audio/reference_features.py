#!/usr/bin/env python3
"""Reference micro_speech features from TFLite Micro, for bit-exact tests.

    reference_features.py PREPROCESSOR.tflite WAV OUT.npy [--classify MODEL.tflite LOGITS.npy]
    reference_features.py PREPROCESSOR.tflite --params OUT.json

The first form runs the TFLM audio preprocessor model (signal library ops) on WAV frame
by frame, the way TFLM's micro_speech example does: 480-sample (30 ms) windows every 320
samples (20 ms), ONE interpreter for the whole file so the noise estimate of spectral
subtraction carries from frame to frame. OUT.npy gets int8 [frames, 40]. With
--classify, the features also go through the micro_speech model (flattened to
1 x frames*40) and its int8 logits are written to LOGITS.npy.

The second form writes every parameter of the front end found in the model (the signal
ops' custom options and the constant tensors feeding them) as JSON, so tests can check
the tables compiled into tinyml-audio against the model file.

Exit codes: 0 ok, 2 bad command line, 3 tflite_micro/numpy/tflite missing, 4 model or
WAV unreadable, 6 TFLM failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import wave

EXIT_MISSING_DEPS = 3
EXIT_INPUT = 4
EXIT_INVOKE = 6
INSTALL_HINT = "pip install tflite-micro numpy tflite"

WINDOW = 480
HOP = 320


def read_wav(path):
    import numpy as np

    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != 16000:
            raise ValueError(f"{path}: need 16 kHz mono 16-bit PCM")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


def features(model, samples):
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime

    it = runtime.Interpreter.from_file(model)
    frames = []
    for start in range(0, len(samples) - WINDOW + 1, HOP):
        it.set_input(samples[start : start + WINDOW].reshape(1, WINDOW), 0)
        it.invoke()
        frames.append(np.array(it.get_output(0), dtype=np.int8).reshape(-1))
    if not frames:
        return np.zeros((0, 40), dtype=np.int8)
    return np.stack(frames)


def classify(model, feats):
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime

    it = runtime.Interpreter.from_file(model)
    it.set_input(feats.reshape(1, -1).astype(np.int8), 0)
    it.invoke()
    return np.array(it.get_output(0), dtype=np.int8).reshape(-1)


def params(model_path):
    """Custom options and constant inputs of every signal op, keyed by op name."""
    import tflite
    from flatbuffers import flexbuffers

    buf = open(model_path, "rb").read()
    m = tflite.Model.GetRootAsModel(buf, 0)
    sg = m.Subgraphs(0)
    out = {}
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = m.OperatorCodes(op.OpcodeIndex())
        if not code.CustomCode():
            continue
        name = code.CustomCode().decode()
        entry = {"options": {}, "constants": []}
        if op.CustomOptionsLength():
            opts = flexbuffers.Loads(op.CustomOptionsAsNumpy().tobytes())
            entry["options"] = {k: (int(v) if isinstance(v, bool) else v) for k, v in opts.items()}
        for t in op.InputsAsNumpy():
            tensor = sg.Tensors(t)
            b = m.Buffers(tensor.Buffer())
            if b.DataLength():
                # Every constant of the signal ops is int16 (TensorType 7).
                assert tensor.Type() == 7, (name, tensor.Type())
                entry["constants"].append(b.DataAsNumpy().view("<i2").astype(int).tolist())
        out[name] = entry
    # The int32 tail after SignalFilterBankLog: CAST, MUL, ADD, DIV, ADD, MINIMUM,
    # MAXIMUM, CAST. Record each builtin op's scalar int32 constant, in graph order.
    tail = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = m.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        names = {18: "MUL", 0: "ADD", 42: "DIV", 57: "MINIMUM", 55: "MAXIMUM"}
        if code.CustomCode() or builtin not in names:
            continue
        for t in op.InputsAsNumpy():
            tensor = sg.Tensors(t)
            b = m.Buffers(tensor.Buffer())
            if b.DataLength() and tensor.Type() == 2 and tensor.ShapeLength() == 0:
                tail.append([names[builtin], int(b.DataAsNumpy().view("<i4")[0])])
    out["Tail"] = tail
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("preprocessor")
    ap.add_argument("wav", nargs="?")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--classify", nargs=2, metavar=("MODEL", "LOGITS_NPY"))
    ap.add_argument("--params", metavar="OUT_JSON")
    args = ap.parse_args(argv)
    if args.params is None and (args.wav is None or args.out is None):
        ap.error("give WAV and OUT.npy, or --params OUT.json")

    try:
        import numpy as np  # noqa: F401
        from tflite_micro.python.tflite_micro import runtime  # noqa: F401

        if args.params:
            import tflite  # noqa: F401
            from flatbuffers import flexbuffers  # noqa: F401
    except ImportError as e:
        print(f"missing Python package ({e}): {INSTALL_HINT}", file=sys.stderr)
        return EXIT_MISSING_DEPS

    import numpy as np

    if args.params:
        try:
            p = params(args.preprocessor)
        except OSError as e:
            print(e, file=sys.stderr)
            return EXIT_INPUT
        with open(args.params, "w") as f:
            json.dump(p, f, indent=1, sort_keys=True)
        return 0

    try:
        samples = read_wav(args.wav)
    except (OSError, ValueError, wave.Error) as e:
        print(e, file=sys.stderr)
        return EXIT_INPUT
    try:
        feats = features(args.preprocessor, samples)
    except Exception as e:  # TFLM raises RuntimeError and friends
        print(f"TFLM failed on {args.preprocessor}: {e}", file=sys.stderr)
        return EXIT_INVOKE
    np.save(args.out, feats)
    if args.classify:
        try:
            logits = classify(args.classify[0], feats)
        except Exception as e:
            print(f"TFLM failed on {args.classify[0]}: {e}", file=sys.stderr)
            return EXIT_INVOKE
        np.save(args.classify[1], logits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
