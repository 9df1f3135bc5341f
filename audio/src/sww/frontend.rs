//! [`SwwFrontend`]: the streaming-wakeword log-mel front end in f32, one 512-sample stride
//! at a time.

use super::params::{MEL_FLOOR, POWER_OFFSET_DB, SWW_BANDS, SWW_BINS, SWW_STRIDE, SWW_WINDOW};
use super::tables::{HAMMING_1024, MEL_LENS, MEL_PACKED, MEL_STARTS};
use crate::dot::dot_f32;
use crate::mfcc::ln_f32;

// The packed filters must lie inside the spectrum and use every packed weight.
const _: () = {
    let (mut i, mut total) = (0, 0);
    while i < SWW_BANDS {
        assert!(MEL_STARTS[i] as usize + MEL_LENS[i] as usize <= SWW_BINS);
        total += MEL_LENS[i] as usize;
        i += 1;
    }
    assert!(total == MEL_PACKED.len());
};

/// Pre-emphasis in integers: `32 s[n] - 31 s[n-1]` is `(x[n] - 0.96875 x[n-1]) * 2^20`
/// for `x = s / 32768`, exactly (|value| < 2^21 fits an f32 mantissa). The reference's
/// f32 pre-emphasis is exact too (products and differences of multiples of 2^-20 below
/// 2^1), so this equals it bit for bit after the scaling below.
#[inline(always)]
fn preemphasis(s: i16, prev: i16) -> f32 {
    (32 * i32::from(s) - 31 * i32::from(prev)) as f32
}

/// The power-of-two factors left out of the FFT input and put back on the mel energies:
/// 2^-20 on the samples (the pre-emphasis above) squared, times the 1/1024 of the power.
/// Scaling by a power of two commutes with f32 rounding (no value comes near the
/// subnormal or overflow range: |FFT| < 2^21 * 1024 and mel energies below 2^64), so the
/// result equals scaling the input first, and saves a multiply per sample and per bin.
const POWER_SCALE: f32 = 1.0 / ((1u64 << 40) as f32 * SWW_WINDOW as f32);

/// `10 / ln 10`: `10 log10 x = (10 / ln 10) ln x`.
const DB_PER_NEPER: f32 = 4.342_944_8;

/// The streaming-wakeword front end: keeps the previous stride and the sample before it
/// (pre-emphasis continuity), and the FFT buffer, so the caller's stack stays small.
pub struct SwwFrontend {
    /// The previous stride (the first half of the next window); zeros at the start, as the
    /// reference's `g_wav_block_buff`.
    prev: [i16; SWW_STRIDE],
    /// The sample before `prev[0]` (the reference's `last_value`, 0 at the start).
    before: i16,
    buf: [f32; SWW_WINDOW],
}

impl SwwFrontend {
    /// The state at the start of a stream (zero history).
    pub const fn new() -> Self {
        Self { prev: [0; SWW_STRIDE], before: 0, buf: [0.0; SWW_WINDOW] }
    }

    /// Forgets the history.
    pub fn reset(&mut self) {
        self.prev = [0; SWW_STRIDE];
        self.before = 0;
    }

    /// The 40 features in [0, 1] of the window that ends with `stride` (the previous
    /// stride and this one), and moves the window on.
    pub fn process_stride(&mut self, stride: &[i16; SWW_STRIDE], out: &mut [f32; SWW_BANDS]) {
        // Pre-emphasis (exact, scaled by 2^20) times the window: one f32 rounding per
        // sample, as the reference's `arm_mult_f32`.
        let (first, second) = self.buf.split_at_mut(SWW_STRIDE);
        let (w1, w2) = HAMMING_1024.split_at(SWW_STRIDE);
        // Each half as the sample and its predecessor from two shifted slices, without a
        // loop-carried variable, so that the compiler can vectorize the loop.
        let halves = [(first, &self.prev, w1, self.before), (second, stride, w2, self.prev[SWW_STRIDE - 1])];
        for (out, x, w, before) in halves {
            out[0] = preemphasis(x[0], before) * w[0];
            for (((b, &s), &p), &w) in out[1..].iter_mut().zip(&x[1..]).zip(&x[..SWW_STRIDE - 1]).zip(&w[1..]) {
                *b = preemphasis(s, p) * w;
            }
        }
        self.before = self.prev[SWW_STRIDE - 1];
        self.prev = *stride;

        // microfft's real FFT, in place: a 512-point complex FFT and a recombination step;
        // bin 0 holds DC in `re` and the Nyquist bin (512) in `im`.
        let spectrum = microfft::real::rfft_1024(&mut self.buf);
        let nyquist = spectrum[0].im * spectrum[0].im;
        spectrum[0].im = 0.0;
        // Powers in place: complex pair j becomes the powers of bins 2j and 2j + 1, so that
        // `buf[k]` is bin k's power (pair j is written after pairs 2j and 2j + 1 were read,
        // and j <= 2j). No 2 KB power array, and the mel loop below reads a plain slice.
        for j in 0..SWW_WINDOW / 4 {
            let (a, b) = (spectrum[2 * j], spectrum[2 * j + 1]);
            spectrum[j].re = a.re * a.re + a.im * a.im;
            spectrum[j].im = b.re * b.re + b.im * b.im;
        }
        let power = &self.buf[..SWW_BINS - 1];

        // The packed mel dot products.
        let mut weights = MEL_PACKED.as_slice();
        for ((o, &start), &len) in out.iter_mut().zip(&MEL_STARTS).zip(&MEL_LENS) {
            let (start, len) = (usize::from(start), usize::from(len));
            let (w, rest) = weights.split_at(len);
            weights = rest;
            let end = start + len;
            // Only a filter reaching Nyquist needs bin 512 (none of the reference's do).
            let (bins, tail) = if end == SWW_BINS { (end - 1, nyquist * w[len - 1]) } else { (end, 0.0) };
            let acc = dot_f32(&power[start..bins], w) + tail;
            let mel = (acc * POWER_SCALE).max(MEL_FLOOR);
            let v = (DB_PER_NEPER * ln_f32(mel) + POWER_OFFSET_DB) * (1.0 / 64.0);
            *o = v.clamp(0.0, 1.0);
        }
    }
}

impl Default for SwwFrontend {
    fn default() -> Self {
        Self::new()
    }
}

/// The model input of one frame: `v / scale - 128` truncated toward zero, as the
/// reference's C cast `(int8_t)(v / scale - 128)`. Values above 127 (v above about
/// 0.944 with str_ww_ref_model's scale) saturate here; the C cast is undefined there
/// (on Arm it wraps to negative values, reading a loud band as a quiet one).
pub fn quantize(features: &[f32; SWW_BANDS], scale: f32, out: &mut [i8; SWW_BANDS]) {
    for (o, &v) in out.iter_mut().zip(features) {
        // `as` truncates toward zero and saturates, for a finite or infinite value.
        *o = (v / scale - 128.0) as i8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_zero_and_full_scale_is_bounded() {
        let mut fe = SwwFrontend::new();
        let mut out = [1.0; SWW_BANDS];
        fe.process_stride(&[0; SWW_STRIDE], &mut out);
        // 10 log10(1e-30) = -300 dB: clipped to 0.
        assert!(out.iter().all(|&v| v == 0.0), "{out:?}");
        let loud: [i16; SWW_STRIDE] = core::array::from_fn(|i| if (i / 8) % 2 == 0 { i16::MAX } else { i16::MIN });
        for _ in 0..3 {
            fe.process_stride(&loud, &mut out);
            assert!(out.iter().all(|v| (0.0..=1.0).contains(v)), "{out:?}");
        }
        let mut q = [0i8; SWW_BANDS];
        quantize(&[0.0; SWW_BANDS], 0.003_701_042_6, &mut q);
        assert!(q.iter().all(|&v| v == -128));
        quantize(&[1.0; SWW_BANDS], 0.003_701_042_6, &mut q);
        assert!(q.iter().all(|&v| v == 127));
    }

    #[test]
    fn preemphasis_is_exact() {
        for (s, p) in [(i16::MAX, i16::MIN), (i16::MIN, i16::MAX), (1, -1), (12345, -321)] {
            let x = f64::from(s) / 32768.0 - 0.96875 * (f64::from(p) / 32768.0);
            assert_eq!(f64::from(preemphasis(s, p)) / 1_048_576.0, x);
        }
    }
}
