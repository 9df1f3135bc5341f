//! The parameters of the AD front end, shared by its modules.

/// Samples per analysis window (64 ms at 16 kHz), also the FFT length.
pub const AD_WINDOW: usize = 1024;
/// Samples per hop (32 ms): one log-mel frame each.
pub const AD_HOP: usize = 512;
/// Spectrum bins, DC to Nyquist.
pub const AD_BINS: usize = AD_WINDOW / 2 + 1;
/// Added to the mel energies before the log: `sys.float_info.epsilon`, as MLPerf's
/// `common.py` (`20 / power * log10(mel + eps)`); it only matters for digital silence
/// (-156.5 dB).
pub const AD_EPS: f32 = f64::EPSILON as f32;
