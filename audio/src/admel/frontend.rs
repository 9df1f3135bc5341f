//! [`AdFrontend`]: the MLPerf Tiny AD log-mel front end in f32, one 512-sample hop at a
//! time.

use super::params::{AD_BINS, AD_EPS, AD_HOP, AD_WINDOW};
use super::tables::{HANN_1024, MEL_LENS, MEL_PACKED, MEL_STARTS};
use crate::anomaly::AD_BANDS;
use crate::dot::dot_f32;
use crate::mfcc::ln_f32;

// The packed filters must lie inside the spectrum below Nyquist (the top filter ends
// at 8 kHz with a zero weight, so none needs bin 512) and use every packed weight.
const _: () = {
    let (mut i, mut total) = (0, 0);
    while i < AD_BANDS {
        assert!((MEL_STARTS[i] as usize + MEL_LENS[i] as usize) < AD_BINS);
        total += MEL_LENS[i] as usize;
        i += 1;
    }
    assert!(total == MEL_PACKED.len());
};

/// `(1 / 32768)^2`: the samples enter the FFT as integers (exact in f32) and the scale of
/// `s / 32768` is put back on the mel energies. A power of two commutes with f32 rounding
/// (nothing comes near the subnormal or overflow range: |X|^2 < (2^15 * 2^10)^2), so this
/// equals scaling every sample first and saves a multiply per sample.
const POWER_SCALE: f32 = 1.0 / (1u64 << 30) as f32;

/// `10 / ln 10`: `10 log10 x = (10 / ln 10) ln x`.
const DB_PER_NEPER: f32 = 4.342_944_8;

/// The AD front end: keeps the previous hop (the first half of the next window) and the
/// FFT buffer (4 KB), so the caller's stack stays small. About 5.1 KB.
pub struct AdFrontend {
    /// The previous hop; zeros at the start (librosa's `center=True` zero padding).
    prev: [i16; AD_HOP],
    buf: [f32; AD_WINDOW],
}

impl AdFrontend {
    /// The state at the start of a stream (zero history).
    pub const fn new() -> Self {
        Self { prev: [0; AD_HOP], buf: [0.0; AD_WINDOW] }
    }

    /// Forgets the history.
    pub fn reset(&mut self) {
        self.prev = [0; AD_HOP];
    }

    /// The 128 log-mel values (dB) of the window that ends with `hop` (the previous hop
    /// and this one), and moves the window on.
    pub fn process_hop(&mut self, hop: &[i16; AD_HOP], out: &mut [f32; AD_BANDS]) {
        let (first, second) = self.buf.split_at_mut(AD_HOP);
        let (w1, w2) = HANN_1024.split_at(AD_HOP);
        for (half, x, w) in [(first, &self.prev, w1), (second, hop, w2)] {
            for ((b, &s), &w) in half.iter_mut().zip(x).zip(w) {
                *b = f32::from(s) * w;
            }
        }
        self.prev = *hop;

        // microfft's real FFT, in place: bin 0 holds DC in `re` and Nyquist in `im`. No
        // filter reaches Nyquist (checked above), so it is dropped.
        let spectrum = microfft::real::rfft_1024(&mut self.buf);
        spectrum[0].im = 0.0;
        // Powers in place: complex pair j becomes the powers of bins 2j and 2j + 1 (pair
        // j is written after pairs 2j and 2j + 1 were read, and j <= 2j), so `buf[k]` is
        // bin k's power without a 2 KB power array.
        for j in 0..AD_WINDOW / 4 {
            let (a, b) = (spectrum[2 * j], spectrum[2 * j + 1]);
            spectrum[j].re = a.re * a.re + a.im * a.im;
            spectrum[j].im = b.re * b.re + b.im * b.im;
        }
        let power = &self.buf[..AD_BINS - 1];

        let mut weights = MEL_PACKED.as_slice();
        for ((o, &start), &len) in out.iter_mut().zip(&MEL_STARTS).zip(&MEL_LENS) {
            let (start, len) = (usize::from(start), usize::from(len));
            let (w, rest) = weights.split_at(len);
            weights = rest;
            let mel = dot_f32(&power[start..start + len], w) * POWER_SCALE;
            // `mel + eps` in f32, as librosa's float32 mel spectrogram plus a Python float.
            *o = DB_PER_NEPER * ln_f32(mel + AD_EPS);
        }
    }
}

impl Default for AdFrontend {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_the_epsilon_floor() {
        let mut fe = AdFrontend::new();
        let mut out = [0.0; AD_BANDS];
        fe.process_hop(&[0; AD_HOP], &mut out);
        // 10 log10(2.2e-16) = -156.5 dB.
        assert!(out.iter().all(|&v| (v + 156.536).abs() < 1e-3), "{out:?}");
    }

    #[test]
    fn a_tone_peaks_in_its_band() {
        // 1 kHz, half scale: the peak is in the band whose centre is nearest 1 kHz.
        let tone: [i16; AD_WINDOW] = core::array::from_fn(|n| {
            (16384.0 * libm_sin(2.0 * core::f64::consts::PI * 1000.0 * n as f64 / 16000.0)) as i16
        });
        let mut fe = AdFrontend::new();
        let mut out = [0.0; AD_BANDS];
        fe.process_hop(tone[..AD_HOP].try_into().unwrap(), &mut out);
        fe.process_hop(tone[AD_HOP..].try_into().unwrap(), &mut out);
        let peak = (0..AD_BANDS).max_by(|&a, &b| out[a].total_cmp(&out[b])).unwrap();
        // Slaney mel: 1 kHz is mel 15, the band centres are 45.2456 / 129 mel apart.
        assert_eq!(peak, 42, "{out:?}");
    }

    /// sin by its Taylor series after range reduction (no std in this crate).
    fn libm_sin(x: f64) -> f64 {
        let tau = 2.0 * core::f64::consts::PI;
        let mut x = x - tau * ((x / tau) as i64 as f64);
        if x > core::f64::consts::PI {
            x -= tau;
        }
        let (mut term, mut sum) = (x, x);
        for k in 1..20 {
            term *= -x * x / ((2 * k) as f64 * (2 * k + 1) as f64);
            sum += term;
        }
        sum
    }
}
