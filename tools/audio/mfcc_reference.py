#!/usr/bin/env python3
"""Float64 reference of the MFCC front end of tinyml-audio (`audio/src/mfcc/`).

    mfcc_reference.py WAV            # JSON on stdout

Written from the published algorithm (MLPerf Tiny KWS feature extraction with
tf.signal), independently of the Rust tables, in numpy float64:
  frames of 480 samples (30 ms at 16 kHz) every 320, samples / 32768;
  periodic Hann window 0.5 - 0.5 cos(2 pi n / 480);
  |rfft(frame, 512)| (magnitude, not power);
  40 triangular mel filters, HTK mel (1127 ln(1 + f/700)), edges evenly spaced in mel
  from 20 to 4000 Hz, weights max(0, min(rising, falling slope)) evaluated at the mel of
  each FFT bin frequency k * 16000 / 512, DC bin weight 0 (tf.signal's
  linear_to_mel_weight_matrix);
  ln(mel + 1e-6);
  DCT-II with orthonormal scaling, first 10 coefficients.

Prints JSON: frames, mel (linear energies, for error bounds), log_mel [frames][40],
mfcc [frames][10], and band_weight_sums [40] (the sum of each filter's weights).

Exit codes: 0 ok, 2 bad command line, 3 numpy missing, 4 WAV unreadable.
"""

import json
import sys
import wave

FRAME, HOP, NFFT, BANDS, COEFFS = 480, 320, 512, 40, 10
RATE, LOW, HIGH = 16000.0, 20.0, 4000.0


def mel_matrix(np):
    def hz_to_mel(f):
        return 1127.0 * np.log(1.0 + f / 700.0)

    bins = NFFT // 2 + 1
    freqs = np.arange(bins) * RATE / NFFT
    mel = hz_to_mel(freqs)
    edges = np.linspace(hz_to_mel(LOW), hz_to_mel(HIGH), BANDS + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    up = (mel[:, None] - lower) / (center - lower)
    down = (upper - mel[:, None]) / (upper - center)
    w = np.maximum(0.0, np.minimum(up, down))
    w[0, :] = 0.0
    return w  # [bins, bands]


def dct_matrix(np):
    n = np.arange(BANDS)
    k = np.arange(COEFFS)[:, None]
    d = np.cos(np.pi * k * (2 * n + 1) / (2 * BANDS)) * np.sqrt(2.0 / BANDS)
    d[0] *= np.sqrt(0.5)
    return d  # [coeffs, bands]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import numpy as np
    except ImportError:
        print("numpy is missing; install with: pip install numpy", file=sys.stderr)
        return 3
    try:
        with wave.open(sys.argv[1], "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2 or w.getframerate() != 16000:
                raise ValueError("need 16 kHz mono 16-bit PCM")
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    except (OSError, ValueError, wave.Error) as e:
        print(f"error: {sys.argv[1]}: {e}", file=sys.stderr)
        return 4
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(FRAME) / FRAME)
    W, D = mel_matrix(np), dct_matrix(np)
    mel, log_mel, mfcc = [], [], []
    for start in range(0, len(x) - FRAME + 1, HOP):
        spectrum = np.abs(np.fft.rfft(x[start : start + FRAME] * window, NFFT))
        m = spectrum @ W
        lm = np.log(m + 1e-6)
        mel.append(m.tolist())
        log_mel.append(lm.tolist())
        mfcc.append((D @ lm).tolist())
    json.dump(
        {
            "frames": len(mel),
            "mel": mel,
            "log_mel": log_mel,
            "mfcc": mfcc,
            "band_weight_sums": W.sum(axis=0).tolist(),
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
