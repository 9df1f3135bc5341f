#!/usr/bin/env python3
"""Reference outputs of the audio pipelines from TFLite Micro, for end-to-end tests.

    reference_pipeline.py kws PREPROCESSOR.tflite CLASSIFIER.tflite WAV [--pad-ms 500] [--infer-every 1]
    reference_pipeline.py anomaly MODEL.tflite WINDOWS.bin [--windows N]

kws: streams WAV followed by --pad-ms of zero samples through the TFLM audio
preprocessor (one interpreter, 480-sample frames every 320 samples, noise estimate
carried over) and, once 49 frames are buffered, every --infer-every frames through the
micro_speech classifier on the last 49 frames; a port of TFLM's RecognizeCommands
(defaults: 1000 ms window, threshold 200, suppression 1500 ms, at least 3 results)
turns the scores into keyword events. Prints JSON: frames, the FNV-1a 32 hash of all
feature bytes and of all score bytes (in stream order), the first frame, every
inference's scores and the events. This is what tinyml-audio's KwsPipeline must
reproduce byte for byte (tinyml firmware prints the same hashes).

anomaly: reads float32 windows of 640 log-mel values (MLPerf Tiny AD .bin), quantizes
each with the model's input scale and zero point (round half away from zero in float32,
as TFLM's QUANTIZE does), runs the autoencoder in TFLM, and scores it with the mean
squared error between the float window and the dequantized output (MLPerf Tiny's
reconstruction error). Prints JSON: per window the int8 output's FNV-1a 32 hash and the
score. Non-finite values in a window are an error (exit 4), as in tinyml-audio.

Exit codes: 0 ok, 2 bad command line, 3 tflite_micro/numpy missing, 4 bad input, 6 TFLM
failed.
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
FRAMES = 49
CATEGORIES = ["silence", "unknown", "yes", "no"]


def fnv1a32(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def read_wav(path):
    import numpy as np

    with wave.open(path, "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != 16000:
            raise ValueError(f"{path}: need 16 kHz mono 16-bit PCM")
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)


class RecognizeCommands:
    """TFLM micro_speech recognize_commands.cc, same integer arithmetic."""

    def __init__(self, window_ms=1000, threshold=200, suppression_ms=1500, minimum_count=3, capacity=50):
        self.window_ms, self.threshold = window_ms, threshold
        self.suppression_ms, self.minimum_count, self.capacity = suppression_ms, minimum_count, capacity
        self.queue = []
        self.previous_top, self.previous_top_time = 0, None

    def process(self, scores, now_ms):
        if len(self.queue) < self.capacity:
            self.queue.append((now_ms, [int(s) for s in scores]))
        while self.queue and self.queue[0][0] < now_ms - self.window_ms:
            self.queue.pop(0)
        how_many = len(self.queue)
        duration = now_ms - self.queue[0][0]
        if how_many < self.minimum_count or duration < self.window_ms // 4:
            return self.previous_top, 0, False
        sums = [sum(s[i] + 128 for _, s in self.queue) // how_many for i in range(len(scores))]
        top, top_score = 0, 0
        for i, a in enumerate(sums):
            if a > top_score:
                top, top_score = i, a
        if self.previous_top == 0 or self.previous_top_time is None:
            since = 2**31 - 1
        else:
            since = now_ms - self.previous_top_time
        new = top_score > self.threshold and (top != self.previous_top or since > self.suppression_ms)
        if new:
            self.previous_top, self.previous_top_time = top, now_ms
        return top, top_score, new


def kws(args):
    import numpy as np
    from tflite_micro.python.tflite_micro import runtime

    samples = read_wav(args.wav)
    samples = np.concatenate([samples, np.zeros(args.pad_ms * 16, dtype=np.int16)])
    pre = runtime.Interpreter.from_file(args.preprocessor)
    cls = runtime.Interpreter.from_file(args.classifier)
    rec = RecognizeCommands()
    frames, feature_bytes, score_bytes, inferences, events = [], bytearray(), bytearray(), [], []
    skip = 0
    for start in range(0, len(samples) - WINDOW + 1, HOP):
        pre.set_input(samples[start : start + WINDOW].reshape(1, WINDOW), 0)
        pre.invoke()
        f = np.array(pre.get_output(0), dtype=np.int8).reshape(-1)
        frame = len(frames)
        frames.append(f)
        feature_bytes += f.tobytes()
        if len(frames) < FRAMES:
            continue
        if skip > 0:
            skip -= 1
            continue
        skip = max(args.infer_every, 1) - 1
        cls.set_input(np.stack(frames[-FRAMES:]).reshape(1, -1).astype(np.int8), 0)
        cls.invoke()
        scores = np.array(cls.get_output(0), dtype=np.int8).reshape(-1)
        score_bytes += scores.tobytes()
        time_ms = (WINDOW + frame * HOP) // 16
        top, score, new = rec.process(scores, time_ms)
        inferences.append({"frame": frame, "time_ms": time_ms, "scores": [int(s) for s in scores]})
        if new:
            events.append({"frame": frame, "time_ms": time_ms, "category": CATEGORIES[top], "score": score})
    return {
        "frames": len(frames),
        "features_fnv1a": fnv1a32(bytes(feature_bytes)),
        "scores_fnv1a": fnv1a32(bytes(score_bytes)),
        "first_frame": [int(v) for v in frames[0]] if frames else [],
        "inferences": inferences,
        "events": events,
    }


def round_half_away(x):
    import numpy as np

    t = np.trunc(x)
    frac = (x - t).astype(np.float32)
    return np.where(frac >= 0.5, t + 1, np.where(frac <= -0.5, t - 1, t)).astype(np.float32)


def anomaly(args):
    import numpy as np
    import tflite
    from tflite_micro.python.tflite_micro import runtime

    data = np.fromfile(args.windows, dtype="<f4")
    if data.size == 0 or data.size % 640:
        raise ValueError(f"{args.windows}: {data.size} floats, not a multiple of 640")
    data = data.reshape(-1, 640)[: args.windows_count]
    buf = open(args.model, "rb").read()
    m = tflite.Model.GetRootAsModel(buf, 0)
    sg = m.Subgraphs(0)
    qin = sg.Tensors(sg.Inputs(0)).Quantization()
    qout = sg.Tensors(sg.Outputs(0)).Quantization()
    in_scale, in_zp = np.float32(qin.Scale(0)), int(qin.ZeroPoint(0))
    out_scale, out_zp = np.float32(qout.Scale(0)), int(qout.ZeroPoint(0))
    it = runtime.Interpreter.from_file(args.model)
    windows = []
    for i, x in enumerate(data):
        bad = np.flatnonzero(~np.isfinite(x))
        if bad.size:
            raise ValueError(f"window {i}: value {x[bad[0]]} at index {bad[0]} is not finite")
        q = round_half_away((x / in_scale).astype(np.float32)).astype(np.int64) + in_zp
        q = np.clip(q, -128, 127).astype(np.int8)
        it.set_input(q.reshape(1, 640), 0)
        it.invoke()
        y = np.array(it.get_output(0), dtype=np.int8).reshape(-1)
        deq = (out_scale * (y.astype(np.int32) - out_zp).astype(np.float32)).astype(np.float32)
        d = (x - deq).astype(np.float32)
        windows.append({"output_fnv1a": fnv1a32(y.tobytes()), "score": float(np.mean(d.astype(np.float64) ** 2))})
    return {
        "input_scale": float(in_scale),
        "input_zero_point": in_zp,
        "output_scale": float(out_scale),
        "output_zero_point": out_zp,
        "windows": windows,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("kws")
    k.add_argument("preprocessor")
    k.add_argument("classifier")
    k.add_argument("wav")
    k.add_argument("--pad-ms", type=int, default=500)
    k.add_argument("--infer-every", type=int, default=1)
    a = sub.add_parser("anomaly")
    a.add_argument("model")
    a.add_argument("windows")
    a.add_argument("--windows", dest="windows_count", type=int, default=None)
    args = ap.parse_args()
    try:
        import numpy  # noqa: F401
        from tflite_micro.python.tflite_micro import runtime  # noqa: F401

        if args.cmd == "anomaly":
            import tflite  # noqa: F401
    except ImportError as e:
        print(f"missing Python package ({e}); install with: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_MISSING_DEPS
    try:
        out = kws(args) if args.cmd == "kws" else anomaly(args)
    except (OSError, ValueError, wave.Error) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INPUT
    except RuntimeError as e:
        print(f"TFLM failed: {e}", file=sys.stderr)
        return EXIT_INVOKE
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
