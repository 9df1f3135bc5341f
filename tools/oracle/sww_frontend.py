#!/usr/bin/env python3
"""numpy reference of the MLPerf Tiny streaming-wakeword front end (tinyml-audio `sww`).

    sww_frontend.py features AUDIO [--out FEATS.npy]   # JSON on stdout
    sww_frontend.py tables REFERENCE_DATA_DIR          # Rust source of audio/src/sww/tables.rs

AUDIO is a 16 kHz 16-bit WAV (mono, or channels that are all equal: the first is taken)
or an int16 .npy. Written from the reference submission's `th_compute_lfbe_f32`
(mlcommons/tiny, sww_ref_l4r5zi), in float64, per 512-sample stride over the last 1024
samples (the window starts as zeros, as the submission's `g_wav_block_buff`):
  int16 / 32768;
  pre-emphasis x'[n] = x[n] - 0.96875 x[n-1], x[-1] = the previous window's sample 511
  (0 for the first window);
  times the 1024-point Hamming window (reference_data/hamm_win_1024.npy);
  |rfft|^2 / 1024 over the 513 bins;
  40 packed mel dot products (lin2mel_packed_513x40 with _filter_starts and _filter_lens);
  clip below at 1e-30, 10 log10, (v + 52) / 64, clip to [0, 1];
  int8: trunc(v / input_scale - 128) (C's cast), saturated to [-128, 127].

The JSON has frames, features [frames][40] (float, before quantization) and
quantized [frames][40] (int8 with INPUT_SCALE, the model input scale of
str_ww_ref_model.tflite).

Exit codes: 0 ok, 2 bad command line, 3 numpy missing, 4 audio unreadable.
"""

import argparse
import json
import os
import sys
import wave

from audio_io import read_audio, rust_floats, rust_ints

WINDOW, STRIDE, BINS, BANDS = 1024, 512, 513, 40
PREEMPHASIS = 0.96875
POWER_OFFSET = 52.0
#: Input scale of str_ww_ref_model.tflite (zero point -128).
INPUT_SCALE = 0.003701042616739869

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "..", "tests", "data", "mlperf-tiny", "streaming_wakeword", "reference_data")


def load_tables(np, directory=REFERENCE):
    def ld(name):
        return np.load(os.path.join(directory, name + ".npy"))

    return (
        ld("hamm_win_1024"),
        ld("lin2mel_packed_513x40"),
        ld("lin2mel_513x40_filter_starts"),
        ld("lin2mel_513x40_filter_lens"),
    )


def features(np, samples, tables=None):
    """Float features [frames, 40] of `samples` streamed stride by stride."""
    win, packed, starts, lens = tables if tables is not None else load_tables(np)
    win = win.astype(np.float64)
    packed = packed.astype(np.float64)
    offsets = np.concatenate([[0], np.cumsum(lens)])
    block = np.zeros(WINDOW, dtype=np.float64)
    last = 0.0
    frames = []
    for start in range(0, len(samples) - STRIDE + 1, STRIDE):
        block = np.concatenate([block[STRIDE:], samples[start : start + STRIDE].astype(np.float64) / 32768.0])
        x = block.copy()
        x[1:] = block[1:] - PREEMPHASIS * block[:-1]
        x[0] = block[0] - PREEMPHASIS * last
        last = block[STRIDE - 1]
        spec = np.fft.rfft(x * win)
        power = (spec.real**2 + spec.imag**2) / WINDOW
        mel = np.array(
            [np.dot(power[starts[i] : starts[i] + lens[i]], packed[offsets[i] : offsets[i + 1]]) for i in range(BANDS)]
        )
        v = (10.0 * np.log10(np.maximum(mel, 1e-30)) + POWER_OFFSET) / 64.0
        frames.append(np.clip(v, 0.0, 1.0))
    return np.array(frames).reshape(-1, BANDS)


def quantize(np, f, scale=INPUT_SCALE):
    return np.clip(np.trunc(f / scale - 128.0), -128, 127).astype(np.int8)


def rust_tables(np, directory):
    win, packed, starts, lens = load_tables(np, directory)
    assert win.shape == (WINDOW,) and starts.shape == (BANDS,) and lens.shape == (BANDS,)
    assert packed.shape == (int(lens.sum()),)

    return f"""//! Constant tables of the streaming-wakeword front end, generated from the reference
//! submission's `fixed_data.c` arrays (`tests/data/mlperf-tiny/streaming_wakeword/reference_data/`)
//! by `tools/oracle/sww_frontend.py tables`. Do not edit: regenerate.
#![allow(clippy::unreadable_literal)]

/// The 1024-point periodic Hamming window (`hamm_win_1024`), float32 bit for bit.
pub static HAMMING_1024: [f32; {WINDOW}] = [
{rust_floats(np, win)}
];

/// First spectrum bin of each mel filter (`lin2mel_513x40_filter_starts`).
pub const MEL_STARTS: [u16; {BANDS}] = [{rust_ints(starts)}];

/// Non-zero weights of each mel filter (`lin2mel_513x40_filter_lens`).
pub const MEL_LENS: [u16; {BANDS}] = [{rust_ints(lens)}];

/// The non-zero mel weights, filter after filter (`lin2mel_packed_513x40`).
pub static MEL_PACKED: [f32; {len(packed)}] = [
{rust_floats(np, packed)}
];
"""


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("features")
    f.add_argument("audio")
    f.add_argument("--out")
    t = sub.add_parser("tables")
    t.add_argument("directory", nargs="?", default=REFERENCE)
    args = p.parse_args()
    try:
        import numpy as np
    except ImportError as e:
        print(f"numpy is missing ({e}); pip install -r tools/oracle/requirements.txt", file=sys.stderr)
        return 3
    if args.cmd == "tables":
        sys.stdout.write(rust_tables(np, args.directory))
        return 0
    try:
        samples = read_audio(np, args.audio)
    except (OSError, ValueError, EOFError, wave.Error) as e:
        print(f"cannot read {args.audio}: {e}", file=sys.stderr)
        return 4
    feats = features(np, samples)
    q = quantize(np, feats)
    if args.out:
        np.save(args.out, q)
    json.dump(
        {
            "samples": int(len(samples)),
            "frames": int(feats.shape[0]),
            "features": feats.tolist(),
            "quantized": q.astype(int).tolist(),
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
