//! [`MfccF32`]: the MFCC front end in single precision, for cores with an FPU
//! (Cortex-M4F/M33/M55).

use super::approx::{ln_f32, sqrt_f32};
use super::design::{dct, hann, BANDS, MAX_WIDTH};
use super::params::{LOG_OFFSET, MEL_BANDS, MFCC_COEFFS, MFCC_FFT, MFCC_FRAME};

// The real FFT gives bins 0..256 (bin 0's imaginary part holds the Nyquist bin 256):
// every mel band must lie in 1..256.
const _: () = {
    let mut m = 0;
    while m < MEL_BANDS {
        assert!(BANDS[m].start >= 1 && BANDS[m].start + BANDS[m].len <= MFCC_FFT / 2);
        m += 1;
    }
};

static HANN_F32: [f32; MFCC_FRAME] = {
    let mut t = [0.0; MFCC_FRAME];
    let mut n = 0;
    while n < MFCC_FRAME {
        t[n] = hann(n) as f32;
        n += 1;
    }
    t
};

/// The filter bank as (first bin, bins, weights).
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

/// The MFCC front end in f32 (cores with an FPU). Stateless between frames; the struct
/// holds the FFT buffer (2 KB) so it need not be on the stack.
pub struct MfccF32 {
    buf: [f32; MFCC_FFT],
}

impl MfccF32 {
    /// Zeroed buffer.
    pub const fn new() -> Self {
        Self { buf: [0.0; MFCC_FFT] }
    }

    /// Log-mel energies `ln(mel + 1e-6)` of one frame of int16 samples (scaled to
    /// [-1, 1) by 1/32768 first).
    pub fn log_mel(&mut self, samples: &[i16; MFCC_FRAME], out: &mut [f32; MEL_BANDS]) {
        for (i, (r, &s)) in self.buf.iter_mut().zip(samples).enumerate() {
            *r = f32::from(s) * (1.0 / 32768.0) * HANN_F32[i];
        }
        self.buf[MFCC_FRAME..].fill(0.0);
        // microfft's real-input FFT (a 256-point complex FFT and a recombination step).
        let spectrum = microfft::real::rfft_512(&mut self.buf);
        for (o, (start, len, w)) in out.iter_mut().zip(&MEL_F32) {
            let (start, len) = (usize::from(*start), usize::from(*len));
            let mut acc = 0.0f32;
            for (x, &wk) in spectrum[start..start + len].iter().zip(w) {
                acc += wk * sqrt_f32(x.re * x.re + x.im * x.im);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_bank_is_tensorflows() {
        // Band 0 spans mel(20)..mel(20) + 2 steps: its first bin is 1 (31.25 Hz).
        assert_eq!(MEL_F32[0].0, 1);
        // Every band has a weight and fits MAX_WIDTH; the last ends below 4000 Hz.
        let last = MEL_F32[MEL_BANDS - 1];
        assert!(usize::from(last.0 + last.1) <= 4000 * MFCC_FFT / 16_000 + 1);
    }
}
