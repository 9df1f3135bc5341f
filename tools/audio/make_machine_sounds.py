#!/usr/bin/env python3
"""Writes a synthetic normal/abnormal pair of machine recordings for the anomaly example.

    make_machine_sounds.py OUT_DIR [--seconds 2]

OUT_DIR/machine_normal.wav: a motor: a 97 Hz fundamental with 24 harmonics (amplitude
1/k, slowly wandering speed, +-0.5 %), plus white noise; mono, 16 kHz, int16.
OUT_DIR/machine_abnormal.wav: the same motor (same samples) plus a bearing fault: an
impulse train at 31 impacts per second (the outer-race defect frequency of a small
bearing at that speed), each impact a 3.2 kHz resonance (peak 0.2 of full scale) decaying in about 1.5 ms, with
+-10 % jitter in its timing and amplitude.

Deterministic (numpy's PCG64 with fixed seeds): the same files on every run, so they can
be committed and regenerated. Levels are those of the ToyCar recordings the model was
trained on (log-mel values from about -70 to 0 dB, see docs/audio.md).

Exit codes: 0 ok, 2 bad command line, 3 numpy missing.
"""

import argparse
import os
import sys
import wave

SR = 16000


def motor(np, n):
    rng = np.random.Generator(np.random.PCG64(20261206))
    t = np.arange(n) / SR
    # Speed wanders slowly (a sum of two slow sines), +-0.5 %.
    f0 = 97.0 * (1.0 + 0.003 * np.sin(2 * np.pi * 0.7 * t) + 0.002 * np.sin(2 * np.pi * 1.9 * t + 1.0))
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = np.zeros(n)
    for k in range(1, 25):
        x += np.sin(k * phase + rng.uniform(0, 2 * np.pi)) / k
    x *= 0.01
    return x + shaped_noise(np, rng, n)


#: Mean log-mel level (dB) of every 4th band (0, 4, ..., 124) of the ToyCar recording
#: MLPerf ships (normal_id_01_00000000_hist_librosa.bin), rounded: the noise below is
#: shaped to it, so that the model sees the broadband floor it was trained on.
TOYCAR_DB = [-47.5, -8.5, -9.7, -8.3, -14.7, -13.4, -19.2, -18.5, -16.3, -19.8, -19.3, -25.7, -25.5, -26.0, -27.1,
             -30.1, -29.1, -31.7, -30.8, -32.7, -34.6, -36.6, -37.7, -37.9, -35.9, -36.9, -39.7, -37.5, -38.9, -40.1,
             -40.7, -38.6]


def shaped_noise(np, rng, n):
    """White noise filtered (in the frequency domain) to the ToyCar envelope."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
    import ad_frontend

    # Band centres of every 4th band (Slaney mel), and the level white noise of unit
    # variance has in a band: mel ~ 384 * sum(weights) (Hann window energy 384), sum of
    # Slaney weights ~ 1 / 15.625 Hz per bin.
    edges = ad_frontend.mel_to_hz(np, np.linspace(0, ad_frontend.hz_to_mel(np, SR / 2), 130))
    centres = edges[1:-1][::4]
    white_db = 10 * np.log10(384.0 / 15.625)
    freqs = np.fft.rfftfreq(n, 1.0 / SR)
    gain_db = np.interp(freqs, centres, np.array(TOYCAR_DB) - white_db)
    spec = np.fft.rfft(rng.standard_normal(n)) * 10 ** (gain_db / 20)
    return np.fft.irfft(spec, n) * 0.7


def bearing_fault(np, n):
    rng = np.random.Generator(np.random.PCG64(31))
    x = np.zeros(n)
    tau = np.arange(int(0.008 * SR)) / SR
    ring = np.exp(-tau / 0.0015) * np.sin(2 * np.pi * 3200.0 * tau)
    t = 0.01
    while t < n / SR:
        i = int(t * SR)
        seg = ring[: n - i] * 0.2 * (1.0 + 0.1 * rng.uniform(-1, 1))
        x[i : i + len(seg)] += seg
        t += (1.0 / 31.0) * (1.0 + 0.1 * rng.uniform(-1, 1))
    return x


def write_wav(np, path, x):
    pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.tobytes())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out_dir")
    p.add_argument("--seconds", type=float, default=2.0)
    args = p.parse_args()
    try:
        import numpy as np
    except ImportError as e:
        print(f"numpy is missing ({e})", file=sys.stderr)
        return 3
    n = int(args.seconds * SR)
    normal = motor(np, n)
    os.makedirs(args.out_dir, exist_ok=True)
    write_wav(np, os.path.join(args.out_dir, "machine_normal.wav"), normal)
    write_wav(np, os.path.join(args.out_dir, "machine_abnormal.wav"), normal + bearing_fault(np, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
