"""What the audio front-end oracles (ad_frontend.py, sww_frontend.py) share: reading a
16 kHz clip, and printing constant tables as Rust source."""

import wave


def read_audio(np, path, rate=16000):
    """The int16 samples of a `.npy` or of a 16-bit PCM WAV at `rate` whose channels are
    all equal."""
    if path.endswith(".npy"):
        a = np.load(path)
        if a.dtype != np.int16:
            raise ValueError(f"{path}: expected int16, found {a.dtype}")
        return a.reshape(-1)
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2 or w.getframerate() != rate:
            raise ValueError(f"{path}: expected 16 kHz 16-bit PCM")
        channels = w.getnchannels()
        raw = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, channels)
    if channels > 1 and not np.all(raw == raw[:, :1]):
        raise ValueError(f"{path}: {channels} channels that differ; mix down first")
    return raw[:, 0].copy()


def rust_floats(np, a):
    """`a` as Rust `f32::from_bits` literals, six a line: float32 bit patterns, exact
    whatever the printing."""
    words = a.astype(np.float32).view(np.uint32)
    lines = []
    for i in range(0, len(words), 6):
        lines.append("    " + " ".join(f"f32::from_bits(0x{x:08x})," for x in words[i : i + 6]))
    return "\n".join(lines)


def rust_ints(a):
    """`a` as a comma-separated list of integers."""
    return ", ".join(str(int(v)) for v in a)
