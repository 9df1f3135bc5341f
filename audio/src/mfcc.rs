//! MFCC front end for MLPerf Tiny-style keyword spotting (the DS-CNN `kws_ref_model`):
//! 30 ms frames (480 samples at 16 kHz) every 20 ms, periodic Hann window, 512-point
//! FFT, **magnitude** spectrum `|X|` (as MLPerf's `tf.abs(tf.signal.stft(..))`), 40
//! triangular mel bands from 20 to 4000 Hz on the HTK mel scale (TensorFlow's
//! `linear_to_mel_weight_matrix`: triangles in mel space over the FFT bin
//! frequencies, DC bin excluded), `ln(mel + 1e-6)`, DCT-II with orthonormal scaling,
//! first 10 coefficients. (TensorFlow's `mfccs_from_log_mel_spectrograms` scales c0 by
//! √2 more than orthonormal; multiply c0 by √2 to feed a model trained with it.)
//!
//! Two implementations with the same tables, computed at compile time by `const fn`
//! (no libm, no generated files):
//! - [`MfccF32`]: single precision, for cores with an FPU (Cortex-M4F/M33/M55). Square
//!   root and natural log are own approximations (core has neither without `std`):
//!   Newton square root to f32 rounding, `ln` by the atanh series to < 1e-7 relative.
//! - [`MfccFixed`]: integers only, for cores without an FPU: Q31 window, Q30 radix-2
//!   FFT scaled by 1/2 per stage (64-bit products, never overflows), integer square
//!   root, Q24 mel weights, `ln` from a 256-entry log2 table with linear
//!   interpolation (error < 2e-6), Q30 DCT; outputs in Q20 ([`FIXED_FRAC_BITS`]).
//!
//! Both are checked against a float64 numpy implementation of the same published
//! algorithm (`tools/audio/mfcc_reference.py`); the tolerances and their derivation are
//! in `docs/audio.md`.

use super::rfft::{cos, sin};

/// Samples per frame (30 ms at 16 kHz).
pub const MFCC_FRAME: usize = 480;
/// Samples between frames (20 ms at 16 kHz).
pub const MFCC_HOP: usize = 320;
/// FFT length (the next power of two above the frame, as `tf.signal.stft` picks).
pub const MFCC_FFT: usize = 512;
/// Spectrum bins, DC to Nyquist.
pub const MFCC_BINS: usize = MFCC_FFT / 2 + 1;
/// Mel bands.
pub const MEL_BANDS: usize = 40;
/// Cepstral coefficients kept.
pub const MFCC_COEFFS: usize = 10;
/// Lower edge of the mel filter bank, Hz.
pub const MEL_LOW_HZ: f64 = 20.0;
/// Upper edge of the mel filter bank, Hz.
pub const MEL_HIGH_HZ: f64 = 4000.0;
/// Added to the mel energies before the log (MLPerf's `log(mel + 1e-6)`).
pub const LOG_OFFSET: f64 = 1e-6;
/// Fractional bits of [`MfccFixed`]'s outputs.
pub const FIXED_FRAC_BITS: u32 = 20;
/// Widest triangle in FFT bins (checked at compile time).
const MAX_WIDTH: usize = 16;
const SAMPLE_RATE: f64 = 16_000.0;
const PI: f64 = core::f64::consts::PI;
const LN2: f64 = core::f64::consts::LN_2;

// ---- compile-time math (f64) -------------------------------------------------------

/// ln for x > 0: scale into [1, 2) by powers of two, then
/// ln(m) = 2 atanh((m - 1) / (m + 1)) by its series (|s| <= 1/3: 40 terms reach f64).
const fn ln(x: f64) -> f64 {
    let mut m = x;
    let mut e = 0.0;
    while m >= 2.0 {
        m /= 2.0;
        e += 1.0;
    }
    while m < 1.0 {
        m *= 2.0;
        e -= 1.0;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let (mut term, mut sum, mut k) = (s, 0.0, 0);
    while k < 40 {
        sum += term / (2 * k + 1) as f64;
        term *= s2;
        k += 1;
    }
    2.0 * sum + e * LN2
}

const fn sqrt(x: f64) -> f64 {
    let mut y = if x > 1.0 { x } else { 1.0 };
    let mut i = 0;
    while i < 64 {
        y = 0.5 * (y + x / y);
        i += 1;
    }
    y
}

/// HTK mel scale, as TensorFlow's `_hertz_to_mel`.
const fn hz_to_mel(hz: f64) -> f64 {
    1127.0 * ln(1.0 + hz / 700.0)
}

const fn round_i64(x: f64) -> i64 {
    if x >= 0.0 {
        (x + 0.5) as i64
    } else {
        -((-x + 0.5) as i64)
    }
}

/// Periodic Hann window (TensorFlow's `hann_window(periodic=True)`).
const fn hann(n: usize) -> f64 {
    0.5 - 0.5 * cos(2.0 * PI * n as f64 / MFCC_FRAME as f64)
}

/// One triangle of the filter bank: weights for bins `start..start + len`.
#[derive(Clone, Copy, Debug)]
struct Band {
    start: usize,
    len: usize,
    weights: [f64; MAX_WIDTH],
}

const fn mel_bands() -> [Band; MEL_BANDS] {
    let lo = hz_to_mel(MEL_LOW_HZ);
    let hi = hz_to_mel(MEL_HIGH_HZ);
    let step = (hi - lo) / (MEL_BANDS + 1) as f64;
    let mut bands = [Band { start: 0, len: 0, weights: [0.0; MAX_WIDTH] }; MEL_BANDS];
    let mut m = 0;
    while m < MEL_BANDS {
        let lower = lo + step * m as f64;
        let center = lower + step;
        let upper = center + step;
        // Bin k (1..=256, DC excluded) has frequency k * 16000 / 512.
        let mut k = 1;
        while k < MFCC_BINS {
            let mel = hz_to_mel(k as f64 * SAMPLE_RATE / MFCC_FFT as f64);
            let up = (mel - lower) / (center - lower);
            let down = (upper - mel) / (upper - center);
            let w = if up < down { up } else { down };
            if w > 0.0 {
                if bands[m].len == 0 {
                    bands[m].start = k;
                }
                assert!(k - bands[m].start < MAX_WIDTH, "a mel band is wider than MAX_WIDTH bins");
                bands[m].weights[k - bands[m].start] = w;
                bands[m].len = k - bands[m].start + 1;
            }
            k += 1;
        }
        assert!(bands[m].len > 0, "a mel band covers no FFT bin");
        m += 1;
    }
    bands
}

/// DCT-II, orthonormal: `D[k][n] = s_k cos(pi k (2n + 1) / 2N)`, `s_0 = sqrt(1/N)`,
/// `s_k = sqrt(2/N)`.
const fn dct(k: usize, n: usize) -> f64 {
    let scale = if k == 0 { sqrt(1.0 / MEL_BANDS as f64) } else { sqrt(2.0 / MEL_BANDS as f64) };
    scale * cos(PI * k as f64 * (2 * n + 1) as f64 / (2 * MEL_BANDS) as f64)
}

const BANDS: [Band; MEL_BANDS] = mel_bands();

// ---- float tables ----------------------------------------------------------------

static HANN_F32: [f32; MFCC_FRAME] = {
    let mut t = [0.0; MFCC_FRAME];
    let mut n = 0;
    while n < MFCC_FRAME {
        t[n] = hann(n) as f32;
        n += 1;
    }
    t
};

/// `(cos, -sin)(2 pi k / 512)`, k < 256: the forward FFT's twiddles.
static TWIDDLES_F32: [(f32, f32); MFCC_FFT / 2] = {
    let mut t = [(0.0, 0.0); MFCC_FFT / 2];
    let mut k = 0;
    while k < MFCC_FFT / 2 {
        let a = 2.0 * PI * k as f64 / MFCC_FFT as f64;
        t[k] = (cos(a) as f32, -sin(a) as f32);
        k += 1;
    }
    t
};

static MEL_F32: [(u16, u16, [f32; MAX_WIDTH]); MEL_BANDS] = {
    let mut t = [(0, 0, [0.0; MAX_WIDTH]); MEL_BANDS];
    let mut m = 0;
    while m < MEL_BANDS {
        let mut i = 0;
        while i < MAX_WIDTH {
            t[m].2[i] = BANDS[m].weights[i] as f32;
            i += 1;
        }
        t[m].0 = BANDS[m].start as u16;
        t[m].1 = BANDS[m].len as u16;
        m += 1;
    }
    t
};

static DCT_F32: [[f32; MEL_BANDS]; MFCC_COEFFS] = {
    let mut t = [[0.0; MEL_BANDS]; MFCC_COEFFS];
    let mut k = 0;
    while k < MFCC_COEFFS {
        let mut n = 0;
        while n < MEL_BANDS {
            t[k][n] = dct(k, n) as f32;
            n += 1;
        }
        k += 1;
    }
    t
};

// ---- float implementation ----------------------------------------------------------

/// Square root to f32 rounding without libm: a bit-level first guess (within 4 %),
/// then three Newton steps (4e-2 -> 8e-4 -> 3e-7 -> f32 rounding).
pub fn sqrt_f32(x: f32) -> f32 {
    if x <= 0.0 || x.is_nan() || x.is_infinite() {
        return if x == 0.0 || x.is_infinite() { x } else { f32::NAN };
    }
    if x < f32::MIN_POSITIVE {
        // Subnormal: the bit-level guess needs a normal number.
        return sqrt_f32(x * 70_368_744_177_664.0) * (1.0 / 8_388_608.0); // 2^46, 2^-23
    }
    let mut y = f32::from_bits(0x1fbd_1df5 + (x.to_bits() >> 1));
    for _ in 0..3 {
        y = 0.5 * (y + x / y);
    }
    y
}

/// Natural log without libm, for finite x > 0 (else NaN, or -inf for 0): x = m 2^e
/// with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh s, s = (m-1)/(m+1), |s| < 0.172,
/// series to s^9: truncation < 2 |s|^11 / 11 < 7e-10, below f32 resolution.
pub fn ln_f32(x: f32) -> f32 {
    if x.is_nan() || x < 0.0 {
        return f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    let (mut bits, mut e) = (x.to_bits(), 0i32);
    if bits < 0x0080_0000 {
        // Subnormal: normalize first.
        bits = (x * 8_388_608.0).to_bits();
        e -= 23;
    }
    e += ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    if m > core::f32::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let series = s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0)))));
    2.0 * series + e as f32 * core::f32::consts::LN_2
}

/// In-place radix-2 decimation-in-time FFT of 512 complex values (bit-reversed input
/// order is done here). Plain and portable; a real-input FFT would halve the work.
fn fft_f32(re: &mut [f32; MFCC_FFT], im: &mut [f32; MFCC_FFT]) {
    bit_reverse(re, im);
    let mut half = 1;
    while half < MFCC_FFT {
        let stride = MFCC_FFT / (2 * half);
        for start in (0..MFCC_FFT).step_by(2 * half) {
            for j in 0..half {
                let (wr, wi) = TWIDDLES_F32[j * stride];
                let (a, b) = (start + j, start + j + half);
                let tr = re[b] * wr - im[b] * wi;
                let ti = re[b] * wi + im[b] * wr;
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        half *= 2;
    }
}

fn bit_reverse<T>(re: &mut [T; MFCC_FFT], im: &mut [T; MFCC_FFT]) {
    let bits = MFCC_FFT.trailing_zeros();
    for i in 0..MFCC_FFT {
        let j = i.reverse_bits() >> (usize::BITS - bits);
        if j > i {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
}

/// The MFCC front end in f32 (cores with an FPU). Stateless between frames; the struct
/// holds the FFT buffers (4 KB) so they need not be on the stack.
pub struct MfccF32 {
    re: [f32; MFCC_FFT],
    im: [f32; MFCC_FFT],
}

impl MfccF32 {
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Self { re: [0.0; MFCC_FFT], im: [0.0; MFCC_FFT] }
    }

    /// Log-mel energies `ln(mel + 1e-6)` of one frame of int16 samples (scaled to
    /// [-1, 1) by 1/32768 first).
    pub fn log_mel(&mut self, samples: &[i16; MFCC_FRAME], out: &mut [f32; MEL_BANDS]) {
        for (i, (r, &s)) in self.re.iter_mut().zip(samples).enumerate() {
            *r = f32::from(s) * (1.0 / 32768.0) * HANN_F32[i];
        }
        self.re[MFCC_FRAME..].fill(0.0);
        self.im.fill(0.0);
        fft_f32(&mut self.re, &mut self.im);
        for (o, (start, len, w)) in out.iter_mut().zip(&MEL_F32) {
            let (start, len) = (usize::from(*start), usize::from(*len));
            let mut acc = 0.0f32;
            for (k, &wk) in (start..start + len).zip(w) {
                acc += wk * sqrt_f32(self.re[k] * self.re[k] + self.im[k] * self.im[k]);
            }
            *o = ln_f32(acc + LOG_OFFSET as f32);
        }
    }

    /// The 10 MFCCs of one frame (and its log-mel energies in `log_mel`).
    pub fn process_frame(
        &mut self,
        samples: &[i16; MFCC_FRAME],
        log_mel: &mut [f32; MEL_BANDS],
        out: &mut [f32; MFCC_COEFFS],
    ) {
        self.log_mel(samples, log_mel);
        for (o, row) in out.iter_mut().zip(&DCT_F32) {
            *o = row.iter().zip(log_mel.iter()).map(|(&d, &l)| d * l).sum();
        }
    }
}

impl Default for MfccF32 {
    fn default() -> Self {
        Self::new()
    }
}

// ---- fixed-point tables ---------------------------------------------------------------

/// Q31 window: a Q15 window's rounding (2^-16 absolute) would add up to 480 * 2^-16
/// of the frame's scale to every bin, more than all other errors together.
static HANN_Q31: [i32; MFCC_FRAME] = {
    let mut t = [0; MFCC_FRAME];
    let mut n = 0;
    while n < MFCC_FRAME {
        t[n] = q31(hann(n));
        n += 1;
    }
    t
};

/// Q31 of x in [-1, 1], saturated at `i32::MAX` for 1.0.
const fn q31(x: f64) -> i32 {
    let v = round_i64(x * 2_147_483_648.0);
    if v > i32::MAX as i64 {
        i32::MAX
    } else {
        v as i32
    }
}

/// Q31 `(cos, -sin)(2 pi k / 512)`.
static TWIDDLES_Q31: [(i32, i32); MFCC_FFT / 2] = {
    let mut t = [(0, 0); MFCC_FFT / 2];
    let mut k = 0;
    while k < MFCC_FFT / 2 {
        let a = 2.0 * PI * k as f64 / MFCC_FFT as f64;
        t[k] = (q31(cos(a)), q31(-sin(a)));
        k += 1;
    }
    t
};

/// Q24 weights: Q15 rounding (2^-16 absolute) would be a large relative error on the
/// small weights at the triangles' feet.
static MEL_Q24: [(u16, u16, [u32; MAX_WIDTH]); MEL_BANDS] = {
    let mut t = [(0, 0, [0; MAX_WIDTH]); MEL_BANDS];
    let mut m = 0;
    while m < MEL_BANDS {
        let mut i = 0;
        while i < MAX_WIDTH {
            t[m].2[i] = round_i64(BANDS[m].weights[i] * (1u64 << 24) as f64) as u32;
            i += 1;
        }
        t[m].0 = BANDS[m].start as u16;
        t[m].1 = BANDS[m].len as u16;
        m += 1;
    }
    t
};

static DCT_Q30: [[i32; MEL_BANDS]; MFCC_COEFFS] = {
    let mut t = [[0; MEL_BANDS]; MFCC_COEFFS];
    let mut k = 0;
    while k < MFCC_COEFFS {
        let mut n = 0;
        while n < MEL_BANDS {
            t[k][n] = round_i64(dct(k, n) * (1u64 << 30) as f64) as i32;
            n += 1;
        }
        k += 1;
    }
    t
};

/// `log2(1 + i/256)` in Q30, i = 0..=256.
static LOG2_Q30: [u32; 257] = {
    let mut t = [0; 257];
    let mut i = 0;
    while i <= 256 {
        t[i] = round_i64(ln(1.0 + i as f64 / 256.0) / LN2 * (1u64 << 30) as f64) as u32;
        i += 1;
    }
    t
};

/// Mel energies are accumulated as `sum(w_q24 * |X|_q30)`: Q54 of the DFT scaled by
/// 1/512 by the FFT, i.e. the float mel energy times 2^54 / 512 = 2^45. At most 16
/// products of < 2^24 * 2^30: < 2^58, no overflow.
const MEL_SHIFT: u32 = 45;
/// `LOG_OFFSET` in those units.
const LOG_OFFSET_FIXED: u64 = round_i64(LOG_OFFSET * (1u64 << MEL_SHIFT) as f64) as u64;
/// ln 2 in Q30.
const LN2_Q30: i64 = round_i64(LN2 * (1u64 << 30) as f64);

// ---- fixed-point implementation ----------------------------------------------------

/// `(a * b) >> 31` rounded, for Q31 twiddles.
fn mul_q31(a: i32, b: i32) -> i64 {
    (i64::from(a) * i64::from(b) + (1 << 30)) >> 31
}

/// `(x + 1) >> 1`: the per-stage halving, rounded.
fn half(x: i64) -> i32 {
    ((x + 1) >> 1) as i32
}

/// In-place radix-2 FFT of 512 complex Q30 values, every stage scaled by 1/2 so the
/// result is the DFT / 512. Inputs bounded by 2^30 in magnitude stay bounded: a
/// butterfly at most doubles the magnitude and the halving undoes it.
fn fft_q30(re: &mut [i32; MFCC_FFT], im: &mut [i32; MFCC_FFT]) {
    bit_reverse(re, im);
    let mut span = 1;
    while span < MFCC_FFT {
        let stride = MFCC_FFT / (2 * span);
        for start in (0..MFCC_FFT).step_by(2 * span) {
            for j in 0..span {
                let (wr, wi) = TWIDDLES_Q31[j * stride];
                let (a, b) = (start + j, start + j + span);
                let tr = mul_q31(re[b], wr) - mul_q31(im[b], wi);
                let ti = mul_q31(re[b], wi) + mul_q31(im[b], wr);
                let (ar, ai) = (i64::from(re[a]), i64::from(im[a]));
                re[b] = half(ar - tr);
                im[b] = half(ai - ti);
                re[a] = half(ar + tr);
                im[a] = half(ai + ti);
            }
        }
        span *= 2;
    }
}

/// `floor(sqrt(x))` for u64, bit by bit (no division, constant 32 steps).
fn isqrt64(x: u64) -> u64 {
    let (mut rem, mut root) = (x, 0u64);
    let mut bit = 1u64 << 62;
    while bit > 0 {
        if rem >= root + bit {
            rem -= root + bit;
            root = (root >> 1) + bit;
        } else {
            root >>= 1;
        }
        bit >>= 2;
    }
    root
}

/// `ln(x) - MEL_SHIFT ln 2` in Q30 for x >= 1: log2 from the table with linear
/// interpolation (error < (1/256)^2 / 8 / ln 2 < 2.8e-6 in log2, i.e. < 2e-6 in ln).
fn ln_q30(x: u64) -> i64 {
    let e = 63 - x.leading_zeros() as i64;
    // Mantissa in [1, 2) as a Q32 fraction of (x / 2^e - 1).
    let frac = if e >= 32 { (x >> (e - 32)) as u32 } else { (x << (32 - e)) as u32 };
    let idx = (frac >> 24) as usize;
    let t = u64::from(frac & 0x00ff_ffff); // position within the segment, Q24
    let (a, b) = (u64::from(LOG2_Q30[idx]), u64::from(LOG2_Q30[idx + 1]));
    let log2_frac = a + (((b - a) * t + (1 << 23)) >> 24);
    let log2_q30 = (e << 30) + log2_frac as i64 - (i64::from(MEL_SHIFT) << 30);
    // log2 (< 2^37 in Q30) to Q24 first, so that the product with ln 2 fits in 64 bits.
    ((log2_q30 >> 6) * LN2_Q30 + (1 << 23)) >> 24
}

/// The MFCC front end in integers (cores without an FPU). Stateless between frames;
/// the struct holds the FFT buffers (4 KB).
pub struct MfccFixed {
    re: [i32; MFCC_FFT],
    im: [i32; MFCC_FFT],
}

impl MfccFixed {
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Self { re: [0; MFCC_FFT], im: [0; MFCC_FFT] }
    }

    /// Log-mel energies `ln(mel + 1e-6)` of one frame, Q20 ([`FIXED_FRAC_BITS`]).
    pub fn log_mel(&mut self, samples: &[i16; MFCC_FRAME], out: &mut [i32; MEL_BANDS]) {
        // sample (Q15 of [-1, 1)) times the Q31 window, rounded to Q30: |x| <= 2^30.
        for ((r, &s), &w) in self.re.iter_mut().zip(samples).zip(&HANN_Q31) {
            *r = ((i64::from(s) * i64::from(w) + (1 << 15)) >> 16) as i32;
        }
        self.re[MFCC_FRAME..].fill(0);
        self.im.fill(0);
        fft_q30(&mut self.re, &mut self.im);
        for (o, (start, len, w)) in out.iter_mut().zip(&MEL_Q24) {
            let (start, len) = (usize::from(*start), usize::from(*len));
            let mut acc = LOG_OFFSET_FIXED;
            for (k, &wk) in (start..start + len).zip(w) {
                let (r, i) = (i64::from(self.re[k]), i64::from(self.im[k]));
                // |re|, |im| <= 2^30: the power fits in 61 bits.
                let mag = isqrt64((r * r + i * i) as u64);
                acc += u64::from(wk) * mag;
            }
            *o = (ln_q30(acc) >> (30 - FIXED_FRAC_BITS)) as i32;
        }
    }

    /// The 10 MFCCs of one frame in Q20 (and its log-mel energies in `log_mel`).
    pub fn process_frame(
        &mut self,
        samples: &[i16; MFCC_FRAME],
        log_mel: &mut [i32; MEL_BANDS],
        out: &mut [i32; MFCC_COEFFS],
    ) {
        self.log_mel(samples, log_mel);
        for (o, row) in out.iter_mut().zip(&DCT_Q30) {
            let acc: i64 = row.iter().zip(log_mel.iter()).map(|(&d, &l)| i64::from(d) * i64::from(l)).sum();
            *o = ((acc + (1 << 29)) >> 30) as i32;
        }
    }
}

impl Default for MfccFixed {
    fn default() -> Self {
        Self::new()
    }
}

/// A Q20 value of [`MfccFixed`] as f32.
pub fn fixed_to_f32(q: i32) -> f32 {
    q as f32 / (1u32 << FIXED_FRAC_BITS) as f32
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn own_math_matches_std() {
        for x in [1e-30f32, 1e-6, 0.001, 0.5, 1.0, 1.5, 2.0, 3.3, 1000.0, 1e20, 1e-40] {
            let (want, got) = (x.ln(), ln_f32(x));
            assert!((got - want).abs() <= 2e-7 * want.abs().max(1.0), "ln {x}: {got} vs {want}");
            let (want, got) = (x.sqrt(), sqrt_f32(x));
            assert!((got - want).abs() <= 2.0 * f32::EPSILON * want, "sqrt {x}: {got} vs {want}");
        }
        assert_eq!(sqrt_f32(0.0), 0.0);
        assert!(ln_f32(-1.0).is_nan() && sqrt_f32(-1.0).is_nan());
        assert!((ln(10.0) - 10f64.ln()).abs() < 1e-14);
        assert!((sqrt(0.05) - 0.05f64.sqrt()).abs() < 1e-15);
        for x in [1u64, 2, 3, 1000, 68_719, 1 << 40, (1 << 61) - 1, u64::MAX] {
            let want = (x as f64).ln() - f64::from(MEL_SHIFT) * LN2;
            let got = ln_q30(x) as f64 / (1u64 << 30) as f64;
            assert!((got - want).abs() < 2e-6, "ln_q30({x}) = {got}, want {want}");
        }
        for x in [0u64, 1, 2, 99, 1 << 40, u64::MAX] {
            let r = isqrt64(x);
            assert!(r * r <= x && (r + 1).checked_mul(r + 1).is_none_or(|s| s > x), "isqrt {x}");
        }
    }

    #[test]
    fn filter_bank_is_tensorflows() {
        // Band 0 spans mel(20)..mel(20) + 2 steps: its first bin is 1 (31.25 Hz).
        assert_eq!(MEL_F32[0].0, 1);
        // Every band has a weight and fits MAX_WIDTH; the last ends below 4000 Hz.
        let last = MEL_F32[MEL_BANDS - 1];
        assert!(usize::from(last.0 + last.1) <= 4000 * MFCC_FFT / 16_000 + 1);
    }

    #[test]
    fn silence_gives_the_log_offset() {
        let mut lm = [0.0; MEL_BANDS];
        let mut c = [0.0; MFCC_COEFFS];
        MfccF32::new().process_frame(&[0; MFCC_FRAME], &mut lm, &mut c);
        let floor = (LOG_OFFSET as f32).ln();
        assert!(lm.iter().all(|&v| (v - floor).abs() < 1e-5), "{lm:?}");
        let (mut lq, mut cq) = ([0; MEL_BANDS], [0; MFCC_COEFFS]);
        MfccFixed::new().process_frame(&[0; MFCC_FRAME], &mut lq, &mut cq);
        assert!(lq.iter().all(|&v| (fixed_to_f32(v) - floor).abs() < 1e-4), "{lq:?}");
        // c0 of a constant log-mel vector is sqrt(40) times it; the rest vanish.
        assert!((c[0] - floor * 40f32.sqrt()).abs() < 1e-3 && c[1..].iter().all(|v| v.abs() < 1e-3));
    }

    #[test]
    fn full_scale_stays_in_range() {
        let frames: [[i16; MFCC_FRAME]; 3] = [
            [i16::MIN; MFCC_FRAME],
            core::array::from_fn(|i| if i % 2 == 0 { i16::MIN } else { i16::MAX }),
            core::array::from_fn(|i| if (i / 4) % 2 == 0 { i16::MIN } else { i16::MAX }),
        ];
        for f in &frames {
            let (mut lq, mut cq) = ([0; MEL_BANDS], [0; MFCC_COEFFS]);
            MfccFixed::new().process_frame(f, &mut lq, &mut cq);
            let (mut lf, mut cf) = ([0.0; MEL_BANDS], [0.0; MFCC_COEFFS]);
            MfccF32::new().process_frame(f, &mut lf, &mut cf);
            // (Accuracy is checked against the float64 reference in audio/tests/mfcc.rs.)
            for (q, f) in lq.iter().zip(&lf) {
                let q = fixed_to_f32(*q);
                assert!((-14.0..10.0).contains(&q) && (-14.0..10.0).contains(f), "{q} {f}");
            }
        }
    }
}
