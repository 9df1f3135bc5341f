//! Noise reduction and gain control: TFLM `FilterbankSpectralSubtraction`
//! (`signal/src/filter_bank_spectral_subtraction.cc`) and PCAN,
//! `ApplyPcanAutoGainControlFixed` (`signal/src/pcan_argc_fixed.cc`).

use super::math::msb32;

/// `SpectralSubtractionConfig` (the op's custom options). Coefficients are scaled by
/// `1 << spectral_subtraction_bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpectralSubtractionConfig {
    /// Noise low-pass coefficient for even channels.
    pub smoothing: u32,
    /// One minus `smoothing`.
    pub one_minus_smoothing: u32,
    /// Noise low-pass coefficient for odd channels.
    pub alternate_smoothing: u32,
    /// One minus `alternate_smoothing`.
    pub alternate_one_minus_smoothing: u32,
    /// Fraction of the signal always kept after subtraction.
    pub min_signal_remaining: u32,
    /// Extra fractional bits of the noise estimate.
    pub smoothing_bits: u32,
    /// Scale of the coefficients above.
    pub spectral_subtraction_bits: u32,
    /// Force the noise estimate down to the signal when the signal drops below it.
    pub clamping: bool,
}

/// `FilterbankSpectralSubtraction`: updates the per-channel noise estimate (state
/// carried across frames) and subtracts it from the signal, keeping at least
/// `min_signal_remaining` of it. Arithmetic wraps in uint32 as in C.
pub fn spectral_subtraction(
    config: &SpectralSubtractionConfig,
    input: &[u32],
    output: &mut [u32],
    noise_estimate: &mut [u32],
) {
    let sb = config.smoothing_bits & 31;
    let ssb = config.spectral_subtraction_bits & 63;
    for (i, ((&x, o), ne)) in input.iter().zip(output.iter_mut()).zip(noise_estimate.iter_mut()).enumerate() {
        let (smoothing, one_minus_smoothing) = if i & 1 == 0 {
            (config.smoothing, config.one_minus_smoothing)
        } else {
            (config.alternate_smoothing, config.alternate_one_minus_smoothing)
        };
        let signal_scaled_up = x << sb;
        *ne = (u64::from(signal_scaled_up)
            .wrapping_mul(u64::from(smoothing))
            .wrapping_add(u64::from(*ne).wrapping_mul(u64::from(one_minus_smoothing)))
            >> ssb) as u32;
        let mut estimate_scaled_up = *ne;
        if estimate_scaled_up > signal_scaled_up {
            estimate_scaled_up = signal_scaled_up;
            if config.clamping {
                *ne = estimate_scaled_up;
            }
        }
        let floor = (u64::from(x).wrapping_mul(u64::from(config.min_signal_remaining)) >> ssb) as u32;
        let subtracted = (signal_scaled_up - estimate_scaled_up) >> sb;
        *o = subtracted.max(floor);
    }
}

/// `kPcanSnrBits`: fractional bits of the SNR.
const PCAN_SNR_BITS: u32 = 12;
/// `kPcanOutputBits`: fractional bits of the PCAN output.
const PCAN_OUTPUT_BITS: u32 = 6;

/// TFLM `WideDynamicFunction`: the PCAN gain for a noise level, a piecewise quadratic
/// read from `lut` (3 coefficients per octave of `x`).
pub fn wide_dynamic_function(x: u32, lut: &[i16]) -> i16 {
    let at = |i: usize| lut.get(i).copied().map(i32::from).unwrap_or(0);
    if x <= 2 {
        return at(x as usize) as i16;
    }
    let interval = msb32(x);
    let base = (4 * interval - 6) as usize;
    let frac = (if interval < 11 { x << (11 - interval) } else { x >> (interval - 11) } & 0x3FF) as i32;
    let mut result = at(base + 2).wrapping_mul(frac) >> 5;
    result = result.wrapping_add(((at(base + 1) as u32) << 5) as i32);
    result = result.wrapping_mul(frac);
    result = result.wrapping_add(1 << 14) >> 15;
    result = result.wrapping_add(at(base));
    result as i16
}

/// TFLM `PcanShrink`: `x^2 / 4` below 2, `x - 1` above, from `PCAN_SNR_BITS` to
/// `PCAN_OUTPUT_BITS` fractional bits.
pub fn pcan_shrink(x: u32) -> u32 {
    if x < (2 << PCAN_SNR_BITS) {
        x.wrapping_mul(x) >> (2 + 2 * PCAN_SNR_BITS - PCAN_OUTPUT_BITS)
    } else {
        (x >> (PCAN_SNR_BITS - PCAN_OUTPUT_BITS)).wrapping_sub(1 << PCAN_OUTPUT_BITS)
    }
}

/// `ApplyPcanAutoGainControlFixed`, in place on the filter bank output, with the
/// noise estimate of [`spectral_subtraction`] (per-channel automatic gain control).
pub fn pcan(gain_lut: &[i16], snr_shift: u32, noise_estimate: &[u32], filterbank: &mut [u32]) {
    for (fb, &noise) in filterbank.iter_mut().zip(noise_estimate) {
        // int16 -> uint32 sign-extends, as the C assignment does.
        let gain = i32::from(wide_dynamic_function(noise, gain_lut)) as u32;
        let snr = (u64::from(*fb).wrapping_mul(u64::from(gain)) >> (snr_shift & 63)) as u32;
        *fb = pcan_shrink(snr);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: SpectralSubtractionConfig = SpectralSubtractionConfig {
        smoothing: 409,
        one_minus_smoothing: 15975,
        alternate_smoothing: 983,
        alternate_one_minus_smoothing: 15401,
        min_signal_remaining: 819,
        smoothing_bits: 10,
        spectral_subtraction_bits: 14,
        clamping: false,
    };

    #[test]
    fn noise_estimate_follows_a_steady_signal() {
        let mut noise = [0u32; 2];
        let mut out = [0u32; 2];
        // First frame: estimate = signal * smoothing, so most of the signal remains.
        spectral_subtraction(&CONFIG, &[1000, 1000], &mut out, &mut noise);
        assert_eq!(noise, [((1000u64 * 1024 * 409) >> 14) as u32, ((1000u64 * 1024 * 983) >> 14) as u32]);
        assert_eq!(out[0], (1000 * 1024 - noise[0]) >> 10);
        // After many frames of the same level the estimate converges and only the
        // floor (min_signal_remaining = 5 %) is left.
        for _ in 0..2000 {
            spectral_subtraction(&CONFIG, &[1000, 1000], &mut out, &mut noise);
        }
        assert_eq!(out, [(1000 * 819) >> 14; 2]);
    }

    #[test]
    fn shrink_is_continuous_at_two() {
        let two = 2 << PCAN_SNR_BITS;
        assert_eq!(pcan_shrink(two - 1), ((two - 1) * (two - 1)) >> 20);
        assert_eq!(pcan_shrink(two), 64);
        assert_eq!(pcan_shrink(0), 0);
    }

    #[test]
    fn wide_dynamic_function_reads_the_small_values_directly() {
        let lut: [i16; 125] = core::array::from_fn(|i| i as i16);
        assert_eq!(wide_dynamic_function(0, &lut), 0);
        assert_eq!(wide_dynamic_function(2, &lut), 2);
        // Short tables read as zero instead of panicking.
        assert_eq!(wide_dynamic_function(u32::MAX, &lut[..3]), 0);
    }
}
