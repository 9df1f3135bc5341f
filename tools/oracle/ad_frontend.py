#!/usr/bin/env python3
"""numpy reference of the MLPerf Tiny anomaly-detection front end (tinyml-audio `admel`).

    ad_frontend.py features AUDIO [--out FEATS.npy]   # JSON on stdout
    ad_frontend.py tables                             # Rust source of audio/src/admel/tables.rs

What MLPerf Tiny's AD reference computes (mlcommons/tiny
benchmark/training/anomaly_detection, common.py `file_to_vector_array`, the DCASE 2020
task 2 baseline):

    y, sr = librosa.load(file, sr=None)                 # int16 / 32768
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=1024, hop_length=512,
                                         n_mels=128, power=2.0)
    log_mel = 20.0 / power * numpy.log10(mel + sys.float_info.epsilon)
    5 consecutive frames stacked into 640 values (frame after frame, 128 bands each)

librosa is not installed here (it pulls numba, scipy and more), so this file ports the
parts of librosa that matter, in float64, from librosa's source:
  - `melspectrogram`: `np.abs(stft(y, n_fft, hop_length, window='hann', center=True))**2`,
    then `mel_basis @ S`;
  - `stft`: the periodic Hann window (`scipy.signal.get_window('hann', 1024,
    fftbins=True)`, 0.5 - 0.5 cos(2 pi n / 1024)), frames centred on multiples of the hop:
    y padded with 512 samples each side, zeros (`pad_mode='constant'`, librosa >= 0.10;
    MLPerf pinned librosa 0.6.0, whose default was 'reflect': only frame 0 and the last
    frame differ, and MLPerf keeps frames 50..250 only);
  - `filters.mel(sr=16000, n_fft=1024, n_mels=128, fmin=0, fmax=sr/2, htk=False,
    norm='slaney')`: Slaney's mel scale (linear 200/3 Hz per mel below 1 kHz, logarithmic
    with step ln(6.4)/27 above), 130 edges evenly spaced in mel, triangles
    max(0, min(lower, upper)) on the bins' frequencies (`rfftfreq`), each scaled by
    2 / (f[i+2] - f[i]) (`mel_frequencies`, `hz_to_mel`, `mel_to_hz`, `fft_frequencies`).
    librosa (>= 0.7) returns float32 weights, rounded twice: the triangle to float32 when
    assigned, then the product with the float64 norm to float32 (`weights *= enorm`);
    `mel_f32` does the same and is what the device uses (`tables`).

The streaming device (`AdFrontend`) gives frame t once samples [512 t, 512 t + 512) have
arrived: its window is samples [512 (t - 1), 512 (t + 1)), zeros before the start, which is
librosa's frame t with center=True and zero padding. `features` lists those frames (the
frames of librosa that end inside the file: len // 512 of them).

The JSON has frames, features [frames][128] (float64 log-mel dB).

Exit codes: 0 ok, 2 bad command line, 3 numpy missing, 4 audio unreadable.
"""

import argparse
import json
import sys
import wave

from audio_io import read_audio, rust_floats, rust_ints

SR, N_FFT, HOP, N_MELS = 16000, 1024, 512, 128
BINS = N_FFT // 2 + 1
#: sys.float_info.epsilon, added to the mel energies before the log (MLPerf's common.py).
EPS = 2.220446049250313e-16


def hz_to_mel(np, f):
    """librosa.hz_to_mel(f, htk=False) (Slaney)."""
    f = np.asanyarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-300) / min_log_hz) / logstep, mels)


def mel_to_hz(np, m):
    """librosa.mel_to_hz(m, htk=False) (Slaney)."""
    m = np.asanyarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_triangles(np):
    """(triangles [128, 513] float64 before the norm, enorm [128] float64)."""
    fftfreqs = np.fft.rfftfreq(n=N_FFT, d=1.0 / SR)
    mel_f = mel_to_hz(np, np.linspace(hz_to_mel(np, 0.0), hz_to_mel(np, SR / 2.0), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    tri = np.zeros((N_MELS, BINS))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        tri[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS])
    return tri, enorm


def mel_f64(np):
    """The Slaney-normalised filter bank in float64 (librosa 0.6's weights)."""
    tri, enorm = mel_triangles(np)
    return tri * enorm[:, None]


def mel_f32(np):
    """librosa >= 0.7's float32 filter bank, rounded as it rounds."""
    tri, enorm = mel_triangles(np)
    w = tri.astype(np.float32)
    return (w.astype(np.float64) * enorm[:, None]).astype(np.float32)


def hann(np):
    n = np.arange(N_FFT)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / N_FFT)


def power_spectrogram(np, samples):
    """|STFT|^2 [frames, 513] of the streamed frames (center=True, zero padding)."""
    y = samples.astype(np.float64) / 32768.0
    padded = np.concatenate([np.zeros(N_FFT // 2), y])
    frames = len(samples) // HOP
    win = hann(np)
    out = np.zeros((frames, BINS))
    for t in range(frames):
        spec = np.fft.rfft(padded[t * HOP : t * HOP + N_FFT] * win)
        out[t] = spec.real**2 + spec.imag**2
    return out


def features(np, samples):
    """Log-mel dB [frames, 128], float64."""
    mel = power_spectrogram(np, samples) @ mel_f64(np).T
    return 10.0 * np.log10(mel + EPS)


def rust_tables(np):
    w = mel_f32(np)
    starts, lens, packed = [], [], []
    for i in range(N_MELS):
        nz = np.flatnonzero(w[i])
        # Every Slaney filter of this configuration has at least one non-zero weight.
        assert len(nz) > 0, i
        a, b = int(nz[0]), int(nz[-1]) + 1
        starts.append(a)
        lens.append(b - a)
        packed.extend(w[i, a:b])
    packed = np.array(packed, dtype=np.float32)
    win = hann(np).astype(np.float32)

    return f"""//! Constant tables of the MLPerf Tiny AD front end, generated by
//! `tools/oracle/ad_frontend.py tables` (numpy; librosa's formulas, see that file).
//! Do not edit: regenerate.
#![allow(clippy::unreadable_literal)]

/// The 1024-point periodic Hann window, `0.5 - 0.5 cos(2 pi n / 1024)` rounded to f32
/// (librosa's `get_window('hann', 1024, fftbins=True)`).
pub static HANN_1024: [f32; {N_FFT}] = [
{rust_floats(np, win)}
];

/// First spectrum bin of each mel filter.
pub const MEL_STARTS: [u16; {N_MELS}] = [{rust_ints(starts)}];

/// Bins of each mel filter from its first to its last non-zero weight.
pub const MEL_LENS: [u16; {N_MELS}] = [{rust_ints(lens)}];

/// The weights of librosa's `filters.mel(sr=16000, n_fft=1024, n_mels=128)` (Slaney mel,
/// Slaney norm, float32 as librosa rounds them), filter after filter, from MEL_STARTS.
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
    sub.add_parser("tables")
    args = p.parse_args()
    try:
        import numpy as np
    except ImportError as e:
        print(f"numpy is missing ({e}); pip install -r tools/oracle/requirements.txt", file=sys.stderr)
        return 3
    if args.cmd == "tables":
        sys.stdout.write(rust_tables(np))
        return 0
    try:
        samples = read_audio(np, args.audio)
    except (OSError, ValueError, EOFError, wave.Error) as e:
        print(f"cannot read {args.audio}: {e}", file=sys.stderr)
        return 4
    feats = features(np, samples)
    if args.out:
        np.save(args.out, feats.astype(np.float32))
    json.dump({"samples": int(len(samples)), "frames": int(feats.shape[0]), "features": feats.tolist()}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
