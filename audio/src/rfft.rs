//! The int16 real FFT of the TFLM signal library: `RfftInt16Apply`
//! (`signal/src/rfft_int16.cc`), which is KISS FFT built with `FIXED_POINT=16`
//! (`kiss_fft.c` and `tools/kiss_fftr.c` of the kissfft revision TFLM pins, v1.3.0
//! era). Every rounding, scaling and wrap-around of that C code is reproduced:
//! - `C_FIXDIV` divides each butterfly input by the radix by multiplying with
//!   `32767 / radix` and rounding (`sround`), so the output is the DFT divided by N;
//! - products are rounded `(x + 2^14) >> 15` in 32 bits, sums wrap in 16 bits;
//! - twiddles are `floor(0.5 + 32767 * cos/sin(phase))` of the double-precision phase.
//!
//! Only power-of-two lengths occur in the front ends, so of KISS FFT's butterflies only
//! radix 4 and radix 2 are needed (`kf_factor` splits 2^k into 4s and at most one 2).

/// `kiss_fft_cpx` with `kiss_fft_scalar = int16_t`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Complex {
    /// Real part.
    pub re: i16,
    /// Imaginary part.
    pub im: i16,
}

/// Length of the real FFT (`fft_length` of the model's SignalRfft).
pub const FFT_LENGTH: usize = 512;
/// Length of the complex FFT that computes it (`ncfft` in `kiss_fftr`).
const NCFFT: usize = FFT_LENGTH / 2;
/// Output bins of the real FFT: DC to Nyquist.
pub const FFT_BINS: usize = FFT_LENGTH / 2 + 1;

/// The twiddles of `kiss_fft_alloc(NCFFT, 0, ..)`.
static TWIDDLES: [Complex; NCFFT] = twiddles::<NCFFT>();
/// The `super_twiddles` of `kiss_fftr_alloc(FFT_LENGTH, 0, ..)`.
static SUPER_TWIDDLES: [Complex; NCFFT / 2] = super_twiddles();
/// `kf_factor(NCFFT)`: (radix, remaining length) per stage.
const FACTORS: [(usize, usize); 4] = [(4, 64), (4, 16), (4, 4), (4, 1)];
const _: () = assert!(factors_multiply_out(&FACTORS, NCFFT));

const fn factors_multiply_out(f: &[(usize, usize)], n: usize) -> bool {
    let mut i = 0;
    let mut len = n;
    while i < f.len() {
        if !len.is_multiple_of(f[i].0) || len / f[i].0 != f[i].1 || (f[i].0 != 4 && f[i].0 != 2) {
            return false;
        }
        len = f[i].1;
        i += 1;
    }
    len == 1
}

/// Working memory of one real FFT (the `tmpbuf` of `kiss_fftr_state`).
pub struct RfftScratch {
    tmp: [Complex; NCFFT],
}

impl RfftScratch {
    /// Zeroed scratch.
    pub const fn new() -> Self {
        Self { tmp: [Complex { re: 0, im: 0 }; NCFFT] }
    }
}

impl Default for RfftScratch {
    fn default() -> Self {
        Self::new()
    }
}

/// `kiss_fftr` forward: `FFT_LENGTH` real samples to `FFT_BINS` complex bins, scaled by
/// 1/`FFT_LENGTH` as KISS FFT's fixed-point build does.
pub fn rfft(input: &[i16; FFT_LENGTH], scratch: &mut RfftScratch, out: &mut [Complex; FFT_BINS]) {
    let tmp = &mut scratch.tmp;
    kf_work(tmp, input, 0, 1, &FACTORS);

    let mut tdc = tmp[0];
    fixdiv(&mut tdc, 2);
    out[0] = Complex { re: tdc.re.wrapping_add(tdc.im), im: 0 };
    out[NCFFT] = Complex { re: tdc.re.wrapping_sub(tdc.im), im: 0 };

    for k in 1..=NCFFT / 2 {
        let mut fpk = tmp[k];
        let mut fpnk = Complex { re: tmp[NCFFT - k].re, im: tmp[NCFFT - k].im.wrapping_neg() };
        fixdiv(&mut fpk, 2);
        fixdiv(&mut fpnk, 2);
        let f1k = add(fpk, fpnk);
        let f2k = sub(fpk, fpnk);
        let tw = mul(f2k, SUPER_TWIDDLES[k - 1]);
        // HALF_OF(x) = x >> 1 on the int-promoted sum.
        out[k] = Complex {
            re: ((i32::from(f1k.re) + i32::from(tw.re)) >> 1) as i16,
            im: ((i32::from(f1k.im) + i32::from(tw.im)) >> 1) as i16,
        };
        out[NCFFT - k] = Complex {
            re: ((i32::from(f1k.re) - i32::from(tw.re)) >> 1) as i16,
            im: ((i32::from(tw.im) - i32::from(f1k.im)) >> 1) as i16,
        };
    }
}

/// `kf_work`: recursive decimation in time. `out` receives the DFT of the `out.len()`
/// complex inputs number `offset + j * fstride`, where complex input `i` is the real
/// pair `(input[2i], input[2i + 1])` (`kiss_fftr` casts its real buffer to complex).
fn kf_work(out: &mut [Complex], input: &[i16], offset: usize, fstride: usize, factors: &[(usize, usize)]) {
    let Some((&(p, m), rest)) = factors.split_first() else {
        return;
    };
    if m == 1 {
        for (j, o) in out.iter_mut().take(p).enumerate() {
            let i = 2 * (offset + j * fstride);
            *o = Complex { re: input.get(i).copied().unwrap_or(0), im: input.get(i + 1).copied().unwrap_or(0) };
        }
    } else {
        for (q, chunk) in out.chunks_exact_mut(m).take(p).enumerate() {
            kf_work(chunk, input, offset + q * fstride, fstride * p, rest);
        }
    }
    match p {
        4 => bfly4(out, fstride, m),
        _ => bfly2(out, fstride, m),
    }
}

/// `kf_bfly2`.
fn bfly2(out: &mut [Complex], fstride: usize, m: usize) {
    for k in 0..m {
        let (mut a, mut b) = (out[k], out[k + m]);
        fixdiv(&mut a, 2);
        fixdiv(&mut b, 2);
        let t = mul(b, twiddle(k * fstride));
        out[k + m] = sub(a, t);
        out[k] = add(a, t);
    }
}

/// `kf_bfly4`, forward direction.
fn bfly4(out: &mut [Complex], fstride: usize, m: usize) {
    for k in 0..m {
        let mut f0 = out[k];
        let mut f1 = out[k + m];
        let mut f2 = out[k + 2 * m];
        let mut f3 = out[k + 3 * m];
        fixdiv(&mut f0, 4);
        fixdiv(&mut f1, 4);
        fixdiv(&mut f2, 4);
        fixdiv(&mut f3, 4);
        let s0 = mul(f1, twiddle(k * fstride));
        let s1 = mul(f2, twiddle(2 * k * fstride));
        let s2 = mul(f3, twiddle(3 * k * fstride));
        let s5 = sub(f0, s1);
        f0 = add(f0, s1);
        let s3 = add(s0, s2);
        let s4 = sub(s0, s2);
        out[k + 2 * m] = sub(f0, s3);
        out[k] = add(f0, s3);
        out[k + m] = Complex { re: s5.re.wrapping_add(s4.im), im: s5.im.wrapping_sub(s4.re) };
        out[k + 3 * m] = Complex { re: s5.re.wrapping_sub(s4.im), im: s5.im.wrapping_add(s4.re) };
    }
}

fn twiddle(i: usize) -> Complex {
    // Stage strides keep i below NCFFT; the fallback only keeps this panic-free.
    TWIDDLES.get(i).copied().unwrap_or_default()
}

/// `sround`: round a Q30 product back to Q15 and truncate to 16 bits.
fn sround(x: i32) -> i16 {
    (x.wrapping_add(1 << 14) >> 15) as i16
}

/// `C_MUL`.
fn mul(a: Complex, b: Complex) -> Complex {
    let (ar, ai, br, bi) = (i32::from(a.re), i32::from(a.im), i32::from(b.re), i32::from(b.im));
    Complex { re: sround((ar * br).wrapping_sub(ai * bi)), im: sround((ar * bi).wrapping_add(ai * br)) }
}

/// `C_FIXDIV(c, div)`: `c * (32767 / div)`, rounded.
fn fixdiv(c: &mut Complex, div: i32) {
    let k = 32767 / div;
    c.re = sround(i32::from(c.re) * k);
    c.im = sround(i32::from(c.im) * k);
}

fn add(a: Complex, b: Complex) -> Complex {
    Complex { re: a.re.wrapping_add(b.re), im: a.im.wrapping_add(b.im) }
}

fn sub(a: Complex, b: Complex) -> Complex {
    Complex { re: a.re.wrapping_sub(b.re), im: a.im.wrapping_sub(b.im) }
}

// ---- twiddle tables, computed at compile time exactly as kiss_fft_alloc does ----

/// The literal `pi` of `kiss_fft_alloc` (rounds to the same double as `core::f64::consts::PI`).
const PI: f64 = core::f64::consts::PI;

/// `kiss_fft_alloc` twiddles: `kf_cexp(phase = -2*pi*i/n)`.
pub const fn twiddles<const N: usize>() -> [Complex; N] {
    let mut t = [Complex { re: 0, im: 0 }; N];
    let mut i = 0;
    while i < N {
        let phase = -2.0 * PI * (i as f64) / (N as f64);
        t[i] = cexp(phase);
        i += 1;
    }
    t
}

/// `kiss_fftr_alloc` super twiddles: `kf_cexp(phase = -pi * ((i + 1) / NCFFT + 0.5))`.
const fn super_twiddles() -> [Complex; NCFFT / 2] {
    let mut t = [Complex { re: 0, im: 0 }; NCFFT / 2];
    let mut i = 0;
    while i < NCFFT / 2 {
        let phase = -PI * (((i + 1) as f64) / (NCFFT as f64) + 0.5);
        t[i] = cexp(phase);
        i += 1;
    }
    t
}

/// `kf_cexp` with `KISS_FFT_COS/SIN(phase) = floor(.5 + 32767 * cos/sin(phase))`.
const fn cexp(phase: f64) -> Complex {
    Complex { re: q15(cos(phase)), im: q15(sin(phase)) }
}

const fn q15(x: f64) -> i16 {
    floor(0.5 + 32767.0 * x) as i16
}

const fn floor(x: f64) -> f64 {
    let t = x as i64 as f64;
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// Reduce to [-pi, pi]: the Taylor series below converges to double precision there.
const fn reduce(x: f64) -> f64 {
    let two_pi = 2.0 * PI;
    let k = floor(x / two_pi + 0.5);
    x - k * two_pi
}

/// cos by its Taylor series (core has no libm; `host_twiddles_match_libm` checks
/// every table entry against the platform `cos`).
pub const fn cos(x: f64) -> f64 {
    let r = reduce(x);
    let r2 = r * r;
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut n = 1;
    while n < 30 {
        term = -term * r2 / (((2 * n - 1) * (2 * n)) as f64);
        sum += term;
        n += 1;
    }
    sum
}

/// sin by its Taylor series; see [`cos`].
pub const fn sin(x: f64) -> f64 {
    let r = reduce(x);
    let r2 = r * r;
    let mut term = r;
    let mut sum = r;
    let mut n = 1;
    while n < 30 {
        term = -term * r2 / (((2 * n) * (2 * n + 1)) as f64);
        sum += term;
        n += 1;
    }
    sum
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn libm_cexp(phase: f64) -> Complex {
        Complex { re: (0.5 + 32767.0 * phase.cos()).floor() as i16, im: (0.5 + 32767.0 * phase.sin()).floor() as i16 }
    }

    #[test]
    fn host_twiddles_match_libm() {
        for (i, t) in TWIDDLES.iter().enumerate() {
            let phase = -2.0 * core::f64::consts::PI * i as f64 / NCFFT as f64;
            assert_eq!(*t, libm_cexp(phase), "twiddle {i}");
        }
        for (i, t) in SUPER_TWIDDLES.iter().enumerate() {
            let phase = -core::f64::consts::PI * ((i + 1) as f64 / NCFFT as f64 + 0.5);
            assert_eq!(*t, libm_cexp(phase), "super twiddle {i}");
        }
        // Other lengths too, so a changed length cannot silently lose exactness.
        let t = twiddles::<1024>();
        for (i, t) in t.iter().enumerate() {
            let phase = -2.0 * core::f64::consts::PI * i as f64 / 1024.0;
            assert_eq!(*t, libm_cexp(phase), "1024-point twiddle {i}");
        }
    }

    #[test]
    fn const_trig_is_accurate() {
        for k in -2000..2000 {
            let x = k as f64 * 0.0071;
            assert!((cos(x) - x.cos()).abs() < 1e-13, "cos({x})");
            assert!((sin(x) - x.sin()).abs() < 1e-13, "sin({x})");
        }
    }

    /// Against a float DFT: KISS FFT's fixed-point output is the DFT / FFT_LENGTH, within
    /// a few LSB of rounding per stage.
    #[test]
    fn matches_float_dft_scaled_by_length() {
        let mut input = [0i16; FFT_LENGTH];
        for (n, x) in input.iter_mut().enumerate() {
            let t = n as f64;
            *x = (12000.0 * (2.0 * core::f64::consts::PI * 37.0 * t / 512.0).cos()
                + 8000.0 * (2.0 * core::f64::consts::PI * 101.5 * t / 512.0).sin()) as i16;
        }
        let mut out = [Complex::default(); FFT_BINS];
        rfft(&input, &mut RfftScratch::new(), &mut out);
        let mut worst: f64 = 0.0;
        for (k, o) in out.iter().enumerate() {
            let (mut re, mut im) = (0.0, 0.0);
            for (n, &x) in input.iter().enumerate() {
                let ph = -2.0 * core::f64::consts::PI * (k * n) as f64 / FFT_LENGTH as f64;
                re += f64::from(x) * ph.cos();
                im += f64::from(x) * ph.sin();
            }
            let (re, im) = (re / FFT_LENGTH as f64, im / FFT_LENGTH as f64);
            worst = worst.max((f64::from(o.re) - re).abs()).max((f64::from(o.im) - im).abs());
        }
        assert!(worst < 4.0, "max error {worst} LSB");
        let peak: Vec<usize> = out.iter().enumerate().filter(|(_, c)| c.re.abs() > 5000).map(|(k, _)| k).collect();
        assert_eq!(peak, [37]);
    }
}
